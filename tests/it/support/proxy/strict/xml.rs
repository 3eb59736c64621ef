//! A minimal XML reader for moto's answers: elements, their children and their text, nothing
//! else (attributes, namespaces, comments and processing instructions are skipped). Enough to
//! ask "which `<instanceId>` values does this DescribeInstances answer hold".

/// One element: its local name, its children in order, and its text with entities decoded.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Element {
    /// The tag name without any namespace prefix.
    pub name: String,
    /// Child elements in document order.
    pub children: Vec<Element>,
    /// The text directly inside the element, trimmed.
    pub text: String,
}

impl Element {
    /// The first direct child called `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The text of the first direct child called `name`, empty when there is none.
    pub fn child_text(&self, name: &str) -> &str {
        self.child(name).map(|c| c.text.as_str()).unwrap_or("")
    }

    /// Every element called `name` below this one, in document order (depth first).
    pub fn descendants<'a>(&'a self, name: &str) -> Vec<&'a Element> {
        let mut found = Vec::new();
        self.collect(name, &mut found);
        found
    }

    /// The `<item>` children of every element called `set` below this one, the way EC2 lists
    /// things (`instancesSet/item`, `securityGroupInfo/item`).
    pub fn items<'a>(&'a self, set: &str) -> impl Iterator<Item = &'a Element> + 'a {
        self.descendants(set)
            .into_iter()
            .flat_map(|s| s.children.iter().filter(|c| c.name == "item"))
    }

    /// The texts of every element called `name` below this one.
    pub fn texts(&self, name: &str) -> Vec<String> {
        self.descendants(name)
            .into_iter()
            .map(|e| e.text.clone())
            .collect()
    }

    fn collect<'a>(&'a self, name: &str, found: &mut Vec<&'a Element>) {
        for child in &self.children {
            if child.name == name {
                found.push(child);
            }
            child.collect(name, found);
        }
    }
}

/// Parse `text` into a synthetic root element holding the document's top-level element(s).
/// Malformed input yields whatever was read before the problem, never a panic.
pub fn parse(text: &str) -> Element {
    let mut stack = vec![Element::default()];
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        let (before, after) = rest.split_at(open);
        if let Some(top) = stack.last_mut() {
            top.text.push_str(&decode(before));
        }
        let Some(close) = after.find('>') else { break };
        let tag = &after[1..close];
        rest = &after[close + 1..];
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            if stack.len() > 1 && stack.last().is_some_and(|e| e.name == local(name)) {
                if let Some(mut done) = stack.pop() {
                    done.text = done.text.trim().to_string();
                    if let Some(parent) = stack.last_mut() {
                        parent.children.push(done);
                    }
                }
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let name = local(
            tag.trim_end_matches('/')
                .split_whitespace()
                .next()
                .unwrap_or(""),
        );
        let element = Element {
            name: name.to_string(),
            ..Element::default()
        };
        if self_closing {
            if let Some(parent) = stack.last_mut() {
                parent.children.push(element);
            }
        } else {
            stack.push(element);
        }
    }
    // Close whatever an abrupt end left open, so the caller still sees it.
    while stack.len() > 1 {
        if let Some(done) = stack.pop() {
            if let Some(parent) = stack.last_mut() {
                parent.children.push(done);
            }
        }
    }
    stack.pop().unwrap_or_default()
}

/// The name without a namespace prefix (`ns:Tag` → `Tag`).
fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// Decode the five predefined entities and numeric character references.
fn decode(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        let Some(semi) = after.find(';') else {
            out.push_str(after);
            return out;
        };
        let entity = &after[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => out.push(c),
            None => out.push_str(&after[..=semi]),
        }
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    out
}
