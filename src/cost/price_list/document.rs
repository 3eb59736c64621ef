//! Reading Price List documents in the two shapes AWS publishes into one product list: bulk
//! offer files (`offers/v1.0/aws/<offerCode>/current/<region>/index.json`) and saved
//! GetProducts answers (`{"PriceList": ["<json of {product, terms}>", ...]}`).

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One Price List document, reduced to what the catalog needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Which shape it came in.
    pub shape: Shape,
    /// The offer (service) codes it holds, e.g. `AmazonEC2` (a GetProducts page may mix none or
    /// one; a bulk file holds exactly one).
    pub offer_codes: Vec<String>,
    /// Its publication dates as AWS wrote them.
    pub publication_dates: Vec<String>,
    /// Its products, in the document's order.
    pub products: Vec<Product>,
}

/// The two published shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A bulk offer file.
    Bulk,
    /// A saved GetProducts answer.
    GetProducts,
}

/// One product with its on-demand prices.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    /// The SKU.
    pub sku: String,
    /// The offer code (`AmazonEC2`), from the document or the product's `servicecode`.
    pub offer_code: String,
    /// `productFamily`, empty when AWS gave none (some VPC products have none).
    pub family: String,
    /// The product's attributes.
    pub attributes: BTreeMap<String, String>,
    /// The price dimensions of its on-demand terms; empty when it has none (reserved only).
    pub on_demand: Vec<Dimension>,
}

impl Product {
    /// An attribute, or `""` when absent.
    pub fn attr(&self, name: &str) -> &str {
        self.attributes.get(name).map(String::as_str).unwrap_or("")
    }
}

/// One price dimension of an on-demand term.
#[derive(Debug, Clone, PartialEq)]
pub struct Dimension {
    /// The unit as AWS writes it (`Hrs`, `GB-Mo`, `Requests`).
    pub unit: String,
    /// US dollars per unit; `None` when the dimension has no USD price.
    pub usd: Option<f64>,
    /// Where the tier starts (0 for a flat price or the first tier).
    pub begin_range: f64,
    /// Whether a later tier follows (an `endRange` other than `Inf`).
    pub bounded: bool,
}

/// Read one file's text: `Ok(None)` when it is JSON but not a Price List document, an error
/// message when it is not JSON or is a Price List document of the wrong structure.
pub fn parse(text: &str) -> Result<Option<Document>, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let Some(top) = value.as_object() else {
        return Ok(None);
    };
    if top.contains_key("PriceList") {
        return get_products(top).map(Some);
    }
    if top.contains_key("products") && top.contains_key("terms") {
        return bulk(top).map(Some);
    }
    Ok(None)
}

fn bulk(top: &Map<String, Value>) -> Result<Document, String> {
    let offer = text_of(top, "offerCode");
    let products = top
        .get("products")
        .and_then(Value::as_object)
        .ok_or("`products` is not an object")?;
    let on_demand = top
        .get("terms")
        .and_then(|t| t.get("OnDemand"))
        .and_then(Value::as_object);
    let mut out = Vec::with_capacity(products.len());
    for (sku, product) in products {
        let terms = on_demand.and_then(|od| od.get(sku));
        out.push(product_of(sku, product, terms, &offer)?);
    }
    Ok(Document {
        shape: Shape::Bulk,
        offer_codes: non_empty(offer),
        publication_dates: non_empty(text_of(top, "publicationDate")),
        products: out,
    })
}

fn get_products(top: &Map<String, Value>) -> Result<Document, String> {
    let items = top
        .get("PriceList")
        .and_then(Value::as_array)
        .ok_or("`PriceList` is not an array")?;
    let mut products = Vec::with_capacity(items.len());
    let mut offers = Vec::new();
    let mut dates = Vec::new();
    for (i, item) in items.iter().enumerate() {
        // The API returns each product as a JSON document inside a string.
        let text = item
            .as_str()
            .ok_or_else(|| format!("PriceList[{i}] is not a string"))?;
        let entry: Value =
            serde_json::from_str(text).map_err(|e| format!("PriceList[{i}] is not JSON: {e}"))?;
        let entry = entry
            .as_object()
            .ok_or_else(|| format!("PriceList[{i}] is not an object"))?;
        let product = entry
            .get("product")
            .ok_or_else(|| format!("PriceList[{i}] has no `product`"))?;
        let sku = product
            .get("sku")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("PriceList[{i}] has no `product.sku`"))?;
        let offer = text_of(entry, "serviceCode");
        let terms = entry.get("terms").and_then(|t| t.get("OnDemand"));
        products.push(product_of(sku, product, terms, &offer)?);
        push_unique(&mut offers, offer);
        push_unique(&mut dates, text_of(entry, "publicationDate"));
    }
    Ok(Document {
        shape: Shape::GetProducts,
        offer_codes: offers,
        publication_dates: dates,
        products,
    })
}

/// A product from its `{sku, productFamily, attributes}` and its on-demand terms
/// (`offerTermCode → {priceDimensions}`), if it has any.
fn product_of(
    sku: &str,
    product: &Value,
    on_demand: Option<&Value>,
    offer: &str,
) -> Result<Product, String> {
    let attributes: BTreeMap<String, String> = product
        .get("attributes")
        .and_then(Value::as_object)
        .map(|a| {
            a.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let offer_code = if offer.is_empty() {
        attributes.get("servicecode").cloned().unwrap_or_default()
    } else {
        offer.to_string()
    };
    let mut dimensions = Vec::new();
    if let Some(terms) = on_demand.and_then(Value::as_object) {
        for term in terms.values() {
            let Some(dims) = term.get("priceDimensions").and_then(Value::as_object) else {
                continue;
            };
            for dim in dims.values() {
                dimensions.push(dimension_of(sku, dim)?);
            }
        }
    }
    Ok(Product {
        sku: sku.to_string(),
        offer_code,
        family: product
            .get("productFamily")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        attributes,
        on_demand: dimensions,
    })
}

fn dimension_of(sku: &str, dim: &Value) -> Result<Dimension, String> {
    let usd = match dim.get("pricePerUnit").and_then(|p| p.get("USD")) {
        None => None,
        Some(v) => Some(
            v.as_str()
                .and_then(|s| s.trim().parse::<f64>().ok())
                .filter(|f| f.is_finite() && *f >= 0.0)
                .ok_or_else(|| format!("product {sku}: price `{v}` is not a number"))?,
        ),
    };
    let begin_range = match dim.get("beginRange").and_then(Value::as_str) {
        None => 0.0,
        Some(s) => s
            .trim()
            .parse::<f64>()
            .map_err(|_| format!("product {sku}: beginRange `{s}` is not a number"))?,
    };
    let bounded = dim
        .get("endRange")
        .and_then(Value::as_str)
        .is_some_and(|e| e != "Inf");
    Ok(Dimension {
        unit: dim
            .get("unit")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        usd,
        begin_range,
        bounded,
    })
}

fn text_of(map: &Map<String, Value>, key: &str) -> String {
    map.get(key)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

fn non_empty(s: String) -> Vec<String> {
    if s.is_empty() {
        Vec::new()
    } else {
        vec![s]
    }
}

fn push_unique(list: &mut Vec<String>, s: String) {
    if !s.is_empty() && !list.contains(&s) {
        list.push(s);
    }
}
