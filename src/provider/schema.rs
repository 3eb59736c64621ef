//! Attribute schemas of resource kinds: types, which attributes are computed or sensitive,
//! and which force replacement when they change.

use super::size_limit::SizeLimit;
use crate::value::Value;

/// The type of an attribute, checked when configuration is loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttrType {
    /// A string.
    String,
    /// An integer.
    Int,
    /// A number (integer or float).
    Number,
    /// A boolean.
    Bool,
    /// A list of the inner type.
    List(Box<AttrType>),
    /// A table of string keys to the inner type.
    Map(Box<AttrType>),
    /// Anything (free-form documents such as policies).
    Any,
    /// A nested block: a table with these keys only, each of its own type.
    Block(Vec<BlockField>),
}

/// One key of a nested block ([`AttrType::Block`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockField {
    /// Key as written in TOML.
    pub name: &'static str,
    /// Expected type.
    pub ty: AttrType,
    /// Must be present.
    pub required: bool,
    /// A list whose order means nothing (AWS answers it in any order): sorted before comparing.
    pub unordered: bool,
}

impl BlockField {
    /// An optional key of this type.
    pub fn new(name: &'static str, ty: AttrType) -> Self {
        BlockField {
            name,
            ty,
            required: false,
            unordered: false,
        }
    }
    /// Mark as a set-like list (see [`BlockField::unordered`]).
    pub fn unordered(mut self) -> Self {
        self.unordered = true;
        self
    }
    /// Mark as required.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
}

/// Why a value does not fit a type: where inside the value, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// Path inside the value (`[0].from_port`), empty for the value itself.
    pub path: String,
    /// What is wrong there.
    pub message: String,
}

impl AttrType {
    /// Human-readable name, used in "wrong type" diagnostics.
    pub fn describe(&self) -> String {
        match self {
            AttrType::String => "string".into(),
            AttrType::Int => "integer".into(),
            AttrType::Number => "number".into(),
            AttrType::Bool => "bool".into(),
            AttrType::List(inner) => format!("list of {}", inner.describe()),
            AttrType::Map(inner) => format!("table of {}", inner.describe()),
            AttrType::Any => "any value".into(),
            AttrType::Block(_) => "block".into(),
        }
    }

    /// The first place where `value` does not fit this type, or `None` when it fits.
    /// `Unknown` and `Redacted` fit anywhere: they are checked when the value becomes known.
    pub fn mismatch(&self, value: &Value) -> Option<Mismatch> {
        let here = |message: String| {
            Some(Mismatch {
                path: String::new(),
                message,
            })
        };
        let inside = |prefix: String, m: Mismatch| Mismatch {
            path: format!("{prefix}{}", m.path),
            message: m.message,
        };
        match (self, value) {
            (_, Value::Unknown) | (_, Value::Redacted(_)) | (AttrType::Any, _) => None,
            (AttrType::String, Value::String(_))
            | (AttrType::Int, Value::Int(_))
            | (AttrType::Number, Value::Int(_) | Value::Float(_))
            | (AttrType::Bool, Value::Bool(_)) => None,
            (AttrType::List(inner), Value::List(items)) => items
                .iter()
                .enumerate()
                .find_map(|(i, item)| inner.mismatch(item).map(|m| inside(format!("[{i}]"), m))),
            (AttrType::Map(inner), Value::Map(map)) => map
                .iter()
                .find_map(|(k, v)| inner.mismatch(v).map(|m| inside(format!(".{k}"), m))),
            (AttrType::Block(fields), Value::Map(map)) => {
                if let Some(unknown) = map
                    .keys()
                    .find(|k| !fields.iter().any(|f| f.name == k.as_str()))
                {
                    let known: Vec<&str> = fields.iter().map(|f| f.name).collect();
                    let hint =
                        crate::config::diagnostic::did_you_mean(unknown, known.iter().copied())
                            .map(|s| format!(" (did you mean `{s}`?)"))
                            .unwrap_or_default();
                    return here(format!(
                        "unknown key `{unknown}`{hint}; the keys are {}",
                        known.join(", ")
                    ));
                }
                if let Some(missing) = fields
                    .iter()
                    .find(|f| f.required && !map.contains_key(f.name))
                {
                    return here(format!("`{}` is missing", missing.name));
                }
                fields.iter().find_map(|f| {
                    let v = map.get(f.name)?;
                    f.ty.mismatch(v).map(|m| inside(format!(".{}", f.name), m))
                })
            }
            (ty, v) => here(format!(
                "expected {}, found {}",
                crate::value::with_article(&ty.describe()),
                crate::value::with_article(v.type_name())
            )),
        }
    }

    /// Whether a known value fits this type. `Unknown` and `Redacted` always fit: they are
    /// checked when the value becomes known.
    pub fn accepts(&self, value: &Value) -> bool {
        self.mismatch(value).is_none()
    }
}

/// What a change of an attribute's value does to the live resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnChange {
    /// The resource is updated in place.
    Update,
    /// The resource must be destroyed and created again.
    Replace,
}

/// One attribute of a resource kind.
#[derive(Debug, Clone)]
pub struct AttrSchema {
    /// Attribute name as written in TOML.
    pub name: &'static str,
    /// Expected type.
    pub ty: AttrType,
    /// Must be set in configuration.
    pub required: bool,
    /// Set by the provider after create (e.g. `id`, `public_ip`); may not be set in configuration
    /// unless also `optional`.
    pub computed: bool,
    /// May be set in configuration even though it is computed when absent.
    pub optional: bool,
    /// Never shown or stored in clear.
    pub sensitive: bool,
    /// Effect of a change.
    pub on_change: OnChange,
    /// One line for `--help`, the JSON Schema and editors.
    pub description: &'static str,
    /// A list whose order means nothing to AWS (rules, subnet ids): compared as a set.
    pub unordered: bool,
    /// Kinds whose resources this attribute names (a subnet's `vpc_id` names a `vpc`): a
    /// resource of this kind is deleted before those, which is how teardown orders kinds
    /// it has no recorded dependencies for (orphans).
    pub refers_to: &'static [&'static str],
    /// The lowest and highest value an integer attribute takes, checked by `validate` when the
    /// value is known while loading.
    pub range: Option<(i64, i64)>,
    /// The most bytes the API takes for this string, checked whenever the value is known.
    pub size_limit: Option<SizeLimit>,
}

impl AttrSchema {
    fn new(name: &'static str, ty: AttrType) -> Self {
        AttrSchema {
            name,
            ty,
            required: false,
            computed: false,
            optional: true,
            sensitive: false,
            on_change: OnChange::Update,
            description: "",
            unordered: false,
            refers_to: &[],
            range: None,
            size_limit: None,
        }
    }

    /// An optional string attribute that updates in place.
    pub fn string(name: &'static str) -> Self {
        Self::new(name, AttrType::String)
    }
    /// An optional integer attribute.
    pub fn int(name: &'static str) -> Self {
        Self::new(name, AttrType::Int)
    }
    /// An optional number attribute.
    pub fn number(name: &'static str) -> Self {
        Self::new(name, AttrType::Number)
    }
    /// An optional boolean attribute.
    pub fn bool(name: &'static str) -> Self {
        Self::new(name, AttrType::Bool)
    }
    /// An optional list attribute.
    pub fn list(name: &'static str, inner: AttrType) -> Self {
        Self::new(name, AttrType::List(Box::new(inner)))
    }
    /// An optional table attribute.
    pub fn map(name: &'static str, inner: AttrType) -> Self {
        Self::new(name, AttrType::Map(Box::new(inner)))
    }
    /// An optional nested block with these keys.
    pub fn block(name: &'static str, fields: Vec<BlockField>) -> Self {
        Self::new(name, AttrType::Block(fields))
    }
    /// An optional attribute of any shape.
    pub fn any(name: &'static str) -> Self {
        Self::new(name, AttrType::Any)
    }
    /// A computed-only attribute (set by the provider, readable through references).
    pub fn computed(name: &'static str, ty: AttrType) -> Self {
        let mut a = Self::new(name, ty);
        a.computed = true;
        a.optional = false;
        a
    }

    /// Mark as required.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    /// Mark as forcing replacement when changed.
    pub fn replace(mut self) -> Self {
        self.on_change = OnChange::Replace;
        self
    }
    /// Mark a list as a set: AWS may return it in any order.
    pub fn unordered(mut self) -> Self {
        self.unordered = true;
        self
    }
    /// Mark as sensitive.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    /// Mark as computed when not set in configuration.
    pub fn optional_computed(mut self) -> Self {
        self.computed = true;
        self.optional = true;
        self
    }
    /// Declare the kinds whose resources this attribute names (see [`AttrSchema::refers_to`]).
    pub fn refers_to(mut self, kinds: &'static [&'static str]) -> Self {
        self.refers_to = kinds;
        self
    }
    /// Bound an integer attribute to `min..=max`, as the API does.
    pub fn range(mut self, min: i64, max: i64) -> Self {
        self.range = Some((min, max));
        self
    }
    /// Bound the string's size as the API takes it.
    pub fn limit(mut self, limit: SizeLimit) -> Self {
        self.size_limit = Some(limit);
        self
    }
    /// Attach a description.
    pub fn doc(mut self, description: &'static str) -> Self {
        self.description = description;
        self
    }

    /// Whether configuration may set this attribute.
    pub fn settable(&self) -> bool {
        !self.computed || self.optional
    }
}

/// The schema of one resource kind.
#[derive(Debug, Clone)]
pub struct KindSchema {
    /// Kind name as written in `[resource.KIND.NAME]`.
    pub kind: &'static str,
    /// One line describing the kind.
    pub description: &'static str,
    /// Whether the kind takes tags (then strata adds its own `strata:*` tags).
    pub taggable: bool,
    /// Attributes, settable and computed.
    pub attrs: Vec<AttrSchema>,
    /// Whether a replacement makes the new resource before deleting the old one, always:
    /// for kinds whose new and old resources can live side by side and whose old one should
    /// stay usable until its dependents have moved (a task definition's revisions).
    pub create_before_destroy: bool,
    /// Usage quantities its cost depends on (`[usage.KIND]` keys), with their defaults.
    pub usage: Vec<super::meter::UsageKey>,
}

impl KindSchema {
    /// Start a schema; every kind gets a computed `id`.
    pub fn new(kind: &'static str, description: &'static str) -> Self {
        KindSchema {
            kind,
            description,
            taggable: false,
            create_before_destroy: false,
            usage: Vec::new(),
            attrs: vec![
                AttrSchema::computed("id", AttrType::String).doc("Identifier assigned by AWS")
            ],
        }
    }

    /// Mark the kind as taggable and add the `tags` attribute.
    pub fn taggable(mut self) -> Self {
        self.taggable = true;
        self.attrs.push(
            AttrSchema::map("tags", AttrType::String)
                .doc("Tags for this resource, merged over the stack's and tier's tags"),
        );
        self
    }

    /// Replace create-before-destroy (see [`KindSchema::create_before_destroy`]).
    pub fn create_before_destroy(mut self) -> Self {
        self.create_before_destroy = true;
        self
    }

    /// Declare a usage quantity the kind's cost depends on (see [`super::meter::UsageKey`]).
    pub fn usage(mut self, key: super::meter::UsageKey) -> Self {
        self.usage.push(key);
        self
    }

    /// Add an attribute.
    pub fn attr(mut self, attr: AttrSchema) -> Self {
        self.attrs.push(attr);
        self
    }

    /// Sort the set-like (`unordered`) list attributes into their canonical order.
    pub fn canonicalize(
        &self,
        attrs: &mut std::collections::BTreeMap<String, crate::value::Value>,
    ) {
        for (name, value) in attrs.iter_mut() {
            if let Some(attr) = self.get(name) {
                attr.canonicalize(value);
            }
        }
    }

    /// Look an attribute up by name.
    pub fn get(&self, name: &str) -> Option<&AttrSchema> {
        self.attrs.iter().find(|a| a.name == name)
    }

    /// Names of the attributes configuration may set, for "did you mean".
    pub fn settable_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.attrs.iter().filter(|a| a.settable()).map(|a| a.name)
    }
}

impl AttrSchema {
    /// Put a value of this attribute in its canonical form: set-like lists sorted, at the top
    /// and inside nested blocks, so that the order AWS answers in never reads as a change.
    pub fn canonicalize(&self, value: &mut crate::value::Value) {
        canonical(&self.ty, self.unordered, value);
    }
}

fn canonical(ty: &AttrType, unordered: bool, value: &mut crate::value::Value) {
    use crate::value::Value;
    match (ty, &mut *value) {
        (AttrType::Block(fields), Value::Map(map)) => {
            for field in fields {
                if let Some(v) = map.get_mut(field.name) {
                    canonical(&field.ty, field.unordered, v);
                }
            }
        }
        (AttrType::List(inner), Value::List(items)) => {
            for item in items.iter_mut() {
                canonical(inner, false, item);
            }
        }
        _ => {}
    }
    if unordered {
        sort_set(value);
    }
}

/// Put the items of a set-like list in one canonical order (by their rendering), so that the
/// order AWS answers in never reads as a change.
pub fn sort_set(value: &mut crate::value::Value) {
    if let crate::value::Value::List(items) = value {
        items.sort_by_cached_key(|v| v.render_inline());
    }
}
