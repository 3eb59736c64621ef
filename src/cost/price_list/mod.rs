//! Rebuilding the price catalog from AWS Price List documents (`strata cost refresh-catalog`).
//!
//! - [`document`]: the two published shapes (bulk offer files, GetProducts answers) read into
//!   one product list;
//! - [`mapping`]: which catalog key a product prices, from its attributes.
//!
//! Only on-demand terms are read. A price with tiers is skipped unless its key names the first
//! tier (CloudFront's first 10 TB), so a catalog entry is always the price of the first unit.

pub mod document;
pub mod mapping;

use super::catalog::{Catalog, CatalogPrice};
use document::{Document, Product, Shape};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Why a folder could not be read into a catalog.
#[derive(Debug, thiserror::Error)]
pub enum PriceListError {
    /// A file or folder could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// What could not be read.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A `.json` file is not JSON, or is a Price List document of the wrong structure.
    #[error("{} is not a Price List document: {reason}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The folder holds no Price List document at all.
    #[error("no AWS Price List document in {}", dir.display())]
    Empty {
        /// The folder.
        dir: PathBuf,
    },
}

/// A document read from a file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The file, relative to the folder read.
    pub path: PathBuf,
    /// Its content.
    pub document: Document,
}

/// A product that went into no catalog entry, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    /// Its offer code.
    pub offer_code: String,
    /// Its SKU.
    pub sku: String,
    /// Why it was skipped.
    pub reason: String,
}

/// The outcome of a rebuild.
#[derive(Debug, Clone)]
pub struct Rebuilt {
    /// The new catalog.
    pub catalog: Catalog,
    /// The files read, in the order read.
    pub files: Vec<PathBuf>,
    /// How many products set a catalog entry.
    pub priced: usize,
    /// The products skipped, in the order read.
    pub skipped: Vec<Skipped>,
}

/// Read every `*.json` file under `dir` (recursively, in path order) and build the catalog
/// dated `date` from the Price List documents among them.
pub fn rebuild(dir: &Path, date: &str) -> Result<Rebuilt, PriceListError> {
    let files = read_folder(dir)?;
    if files.is_empty() {
        return Err(PriceListError::Empty {
            dir: dir.to_path_buf(),
        });
    }
    Ok(build(&files, date))
}

/// The Price List documents of the `*.json` files under `dir`, in path order (other JSON
/// files are passed over; files of other extensions are not opened).
pub fn read_folder(dir: &Path) -> Result<Vec<SourceFile>, PriceListError> {
    let mut paths = Vec::new();
    collect(dir, &mut paths)?;
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|source| PriceListError::Io {
            path: path.clone(),
            source,
        })?;
        let parsed = document::parse(&text).map_err(|reason| PriceListError::Malformed {
            path: path.clone(),
            reason,
        })?;
        if let Some(document) = parsed {
            let relative = path.strip_prefix(dir).unwrap_or(&path).to_path_buf();
            out.push(SourceFile {
                path: relative,
                document,
            });
        }
    }
    Ok(out)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), PriceListError> {
    let io = |source| PriceListError::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let path = entry.path();
        let kind = entry.file_type().map_err(io)?;
        if kind.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

/// The catalog the documents price, dated `date`.
pub fn build(files: &[SourceFile], date: &str) -> Rebuilt {
    let mut regions: BTreeMap<String, BTreeMap<String, CatalogPrice>> = BTreeMap::new();
    // Which SKU set each entry, to name it when another product disagrees.
    let mut set_by: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut skipped = Vec::new();
    let mut priced = 0;
    for file in files {
        for product in &file.document.products {
            let skip = |reason: String| Skipped {
                offer_code: product.offer_code.clone(),
                sku: product.sku.clone(),
                reason,
            };
            let (region, key, price) = match price_of(product) {
                Ok(found) => found,
                Err(reason) => {
                    skipped.push(skip(reason));
                    continue;
                }
            };
            let slot = (region.clone(), key.clone());
            let entries = regions.entry(region).or_default();
            match entries.get(&key) {
                Some(existing) if existing.usd != price.usd => {
                    let first = set_by.get(&slot).cloned().unwrap_or_default();
                    skipped.push(skip(format!(
                        "{} {} is {} here but {} in product {first}, read first",
                        slot.0, key, price.usd, existing.usd
                    )));
                }
                Some(_) => priced += 1,
                None => {
                    entries.insert(key, price);
                    set_by.insert(slot, product.sku.clone());
                    priced += 1;
                }
            }
        }
    }
    Rebuilt {
        catalog: Catalog {
            source: source_of(files),
            date: date.to_string(),
            currency: "USD".into(),
            regions,
        },
        files: files.iter().map(|f| f.path.clone()).collect(),
        priced,
        skipped,
    }
}

/// The region, key and price of a product, or why it has none.
fn price_of(product: &Product) -> Result<(String, String, CatalogPrice), String> {
    let mapped = mapping::map(product)?;
    if product.on_demand.is_empty() {
        return Err("no on-demand price (reserved terms only)".into());
    }
    let tiered = product
        .on_demand
        .iter()
        .any(|d| d.bounded || d.begin_range > 0.0);
    if tiered && !mapped.first_tier {
        return Err(format!("{} has a tiered price", mapped.key));
    }
    let first: Vec<_> = product
        .on_demand
        .iter()
        .filter(|d| d.begin_range == 0.0)
        .collect();
    let [dim] = first.as_slice() else {
        return Err(format!(
            "{} has {} on-demand prices from the first unit, not one",
            mapped.key,
            first.len()
        ));
    };
    let Some(usd) = dim.usd else {
        return Err(format!("{} has no USD price", mapped.key));
    };
    let unit = dim.unit.to_ascii_lowercase();
    let Some((_, factor)) = mapped.units.iter().find(|(u, _)| *u == unit) else {
        return Err(format!(
            "{} is priced per `{}`, not per {}",
            mapped.key, dim.unit, mapped.unit
        ));
    };
    Ok((
        mapped.region,
        mapped.key,
        CatalogPrice {
            usd: tidy(usd * factor),
            unit: mapped.unit.to_string(),
        },
    ))
}

/// A converted price without the float noise of the conversion (AWS publishes ten decimals).
fn tidy(usd: f64) -> f64 {
    (usd * 1e10).round() / 1e10
}

/// What the catalog was built from: each offer with its publication dates and the shapes read.
fn source_of(files: &[SourceFile]) -> String {
    let mut offers: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let (mut bulk, mut pages) = (0, 0);
    for file in files {
        match file.document.shape {
            Shape::Bulk => bulk += 1,
            Shape::GetProducts => pages += 1,
        }
        for offer in &file.document.offer_codes {
            let dates = offers.entry(offer).or_default();
            for date in &file.document.publication_dates {
                if !dates.contains(&date.as_str()) {
                    dates.push(date);
                }
            }
        }
    }
    let listed: Vec<String> = offers
        .iter_mut()
        .map(|(offer, dates)| {
            dates.sort_unstable();
            if dates.is_empty() {
                offer.to_string()
            } else {
                format!("{offer} ({})", dates.join(", "))
            }
        })
        .collect();
    let mut shapes = Vec::new();
    if bulk > 0 {
        shapes.push(format!("{bulk} bulk offer file(s)"));
    }
    if pages > 0 {
        shapes.push(format!("{pages} GetProducts answer(s)"));
    }
    format!(
        "AWS Price List, on-demand terms, read by `strata cost refresh-catalog` from {}: {}",
        shapes.join(" and "),
        listed.join("; ")
    )
}
