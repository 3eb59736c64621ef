//! `${...}` expressions inside TOML strings.
//!
//! A string that is exactly one `${expr}` evaluates to the expression's value with its type (a
//! list variable stays a list); a string mixing text and `${...}` evaluates to a string.
//! `$${` writes a literal `${`. Inside `${...}`:
//! references (`var.NAME`, `tier.name`, `stack.name`, `deployment.name`, `KIND.NAME.ATTR`),
//! string/number/bool literals, `null` (an attribute that evaluates to null is left unset), `!`, `==`, `!=`, `&&`, `||`, parentheses, and the functions
//! `contains(list, item)`, `join(sep, list)`, `length(list)` and `if(cond, a, b)` (only the
//! branch taken is evaluated; a condition over variables alone is decided while loading, so the
//! other branch may name a resource the tier switched off).

use super::limits::{Limit, MAX_DEPTH};
use super::source::{FileId, Origin};
use crate::address::Address;
use crate::value::Value;
use std::collections::BTreeMap;

/// What a reference points at.
#[derive(Debug, Clone, PartialEq)]
pub enum RefTarget {
    /// `var.NAME`.
    Var(String),
    /// `tier.name`, `stack.name`, `deployment.name` (and other context fields).
    Context {
        /// `tier`, `stack` or `deployment`.
        scope: String,
        /// The field.
        field: String,
    },
    /// `KIND.NAME.ATTR[.KEY...]`.
    Resource {
        /// The referenced resource.
        address: Address,
        /// The attribute.
        attr: String,
        /// Keys into a table attribute (e.g. `tags.Name`).
        path: Vec<String>,
    },
}

/// A reference with where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Ref {
    /// What it points at.
    pub target: RefTarget,
    /// Where it is written (the reference text, e.g. `vpc.main.id`).
    pub origin: Origin,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `&&`.
    And,
    /// `||`.
    Or,
}

/// An expression inside `${...}`.
#[derive(Debug, Clone, PartialEq)]
pub enum Ast {
    /// A literal.
    Lit(Value),
    /// A reference.
    Ref(Ref),
    /// `!x`.
    Not(Box<Ast>),
    /// `a op b`.
    Bin(BinOp, Box<Ast>, Box<Ast>),
    /// `f(args)`, with where the function name is written.
    Call(String, Vec<Ast>, Origin),
}

/// One piece of a template string.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// Literal text.
    Text(String),
    /// An interpolated expression.
    Interp(Ast),
    /// A conditional block of a template file (`{{ if c }}…{{ else }}…{{ end }}`): the first
    /// parts when the condition is true, the second otherwise.
    Cond(Ast, Vec<Part>, Vec<Part>),
}

impl Part {
    /// Call `f` on every reference inside, both branches of a block included.
    pub fn visit_refs(&self, f: &mut dyn FnMut(&Ref)) {
        match self {
            Part::Text(_) => {}
            Part::Interp(ast) => ast.visit_refs(f),
            Part::Cond(cond, then, other) => {
                cond.visit_refs(f);
                then.iter().chain(other).for_each(|p| p.visit_refs(f));
            }
        }
    }
}

/// The shape of an attribute value.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A value without any `${...}`.
    Lit(Value),
    /// A string that is exactly one `${...}`: keeps the expression's type.
    Single(Ast),
    /// A string mixing text and `${...}`.
    Template(Vec<Part>),
    /// An array.
    List(Vec<Expr>),
    /// An inline or nested table.
    Map(BTreeMap<String, Expr>),
}

/// An attribute value as written, with where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// The shape.
    pub kind: ExprKind,
    /// The TOML value's span.
    pub origin: Origin,
}

impl Expr {
    /// A literal at `origin`.
    pub fn lit(value: Value, origin: Origin) -> Self {
        Expr {
            kind: ExprKind::Lit(value),
            origin,
        }
    }

    /// Call `f` on every reference inside, in source order.
    pub fn visit_refs(&self, f: &mut dyn FnMut(&Ref)) {
        match &self.kind {
            ExprKind::Lit(_) => {}
            ExprKind::Single(ast) => ast.visit_refs(f),
            ExprKind::Template(parts) => parts.iter().for_each(|p| p.visit_refs(f)),
            ExprKind::List(items) => items.iter().for_each(|i| i.visit_refs(f)),
            ExprKind::Map(map) => map.values().for_each(|v| v.visit_refs(f)),
        }
    }

    /// The literal value, when the expression has no `${...}` anywhere.
    pub fn as_literal(&self) -> Option<Value> {
        match &self.kind {
            ExprKind::Lit(v) => Some(v.clone()),
            ExprKind::List(items) => items
                .iter()
                .map(Expr::as_literal)
                .collect::<Option<Vec<_>>>()
                .map(Value::List),
            ExprKind::Map(map) => map
                .iter()
                .map(|(k, v)| v.as_literal().map(|v| (k.clone(), v)))
                .collect::<Option<BTreeMap<_, _>>>()
                .map(Value::Map),
            _ => None,
        }
    }
}

impl Ast {
    /// Call `f` on every reference inside.
    pub fn visit_refs(&self, f: &mut dyn FnMut(&Ref)) {
        match self {
            Ast::Lit(_) => {}
            Ast::Ref(r) => f(r),
            Ast::Not(inner) => inner.visit_refs(f),
            Ast::Bin(_, a, b) => {
                a.visit_refs(f);
                b.visit_refs(f);
            }
            Ast::Call(_, args, _) => args.iter().for_each(|a| a.visit_refs(f)),
        }
    }
}

/// A syntax error in an expression, with the byte range (in the file) it concerns.
#[derive(Debug, Clone, PartialEq)]
pub struct ExprSyntaxError {
    /// What is wrong.
    pub message: String,
    /// Where, in file offsets.
    pub origin: Origin,
    /// The bound the expression exceeded, when that is what is wrong.
    pub limit: Option<Limit>,
}

impl ExprSyntaxError {
    /// The diagnostic code: a limit's own, else `bad_expression`.
    pub fn code(&self) -> &'static str {
        self.limit
            .map_or(super::diagnostic::codes::BAD_EXPRESSION, Limit::code)
    }

    /// The help line: a limit's own, else `default`.
    pub fn help_or(&self, default: &str) -> String {
        self.limit.map_or_else(|| default.to_string(), Limit::help)
    }
}

/// The height of a parsed expression (a literal is 1), tracked while parsing so that the
/// tree the evaluator walks recursively stays within [`MAX_DEPTH`].
type Height = usize;

/// Parse a TOML string's content into an expression. `base` is the file offset of the
/// string's first content character (after the opening quote); spans of references are
/// computed from it. For strings with escapes the offsets are approximate (the string's start).
pub fn parse_string(
    text: &str,
    file: FileId,
    base: Option<usize>,
    whole: Origin,
) -> Result<ExprKind, ExprSyntaxError> {
    if !text.contains("${") {
        return Ok(ExprKind::Lit(Value::String(text.to_string())));
    }
    let at = |i: usize, len: usize| match base {
        Some(b) => Origin::new(file, b + i..b + i + len),
        None => whole.clone(),
    };
    let mut parts: Vec<Part> = Vec::new();
    let mut literal = String::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        if text[i..].starts_with("$${") {
            literal.push_str("${");
            i += 3;
        } else if text[i..].starts_with("${") {
            let open = i;
            let body_start = i + 2;
            let close = find_close(text, body_start).ok_or_else(|| ExprSyntaxError {
                message: "`${` is never closed with `}`".into(),
                origin: at(open, 2),
                limit: None,
            })?;
            let body = &text[body_start..close];
            let mut parser = Parser {
                src: body,
                pos: 0,
                file,
                base: base.map(|b| b + body_start),
                whole: whole.clone(),
                depth: 0,
            };
            let ast = parser.parse_full()?;
            if !literal.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut literal)));
            }
            parts.push(Part::Interp(ast));
            i = close + 1;
        } else {
            let ch_len = utf8_len(bytes[i]);
            literal.push_str(&text[i..i + ch_len]);
            i += ch_len;
        }
    }
    if !literal.is_empty() {
        parts.push(Part::Text(literal));
    }
    if parts.len() == 1 {
        if let Part::Interp(_) = &parts[0] {
            if let Some(Part::Interp(ast)) = parts.pop() {
                return Ok(ExprKind::Single(ast));
            }
        }
    }
    if parts.iter().all(|p| matches!(p, Part::Text(_))) {
        let s: String = parts
            .into_iter()
            .map(|p| match p {
                Part::Text(t) => t,
                Part::Interp(_) | Part::Cond(..) => String::new(),
            })
            .collect();
        return Ok(ExprKind::Lit(Value::String(s)));
    }
    Ok(ExprKind::Template(parts))
}

/// Parse a bare expression (the inside of `${...}` or of a template's `{{ ... }}`) that starts
/// at file offset `base`.
pub fn parse_bare(text: &str, file: FileId, base: usize) -> Result<Ast, ExprSyntaxError> {
    let mut parser = Parser {
        src: text,
        pos: 0,
        file,
        base: Some(base),
        whole: Origin::new(file, base..base + text.len().max(1)),
        depth: 0,
    };
    parser.parse_full()
}

fn utf8_len(first: u8) -> usize {
    match first {
        b if b < 0x80 => 1,
        b if b >= 0xF0 => 4,
        b if b >= 0xE0 => 3,
        _ => 2,
    }
}

/// Find the `}` closing an interpolation, skipping string literals inside it.
fn find_close(text: &str, from: usize) -> Option<usize> {
    let mut in_str = false;
    let mut escaped = false;
    for (i, c) in text[from..].char_indices() {
        if in_str {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' || c == '\'' {
                in_str = false;
            }
        } else if c == '"' || c == '\'' {
            in_str = true;
        } else if c == '}' {
            return Some(from + i);
        }
    }
    None
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    file: FileId,
    base: Option<usize>,
    whole: Origin,
    /// How many `(`, `!` and calls the parser is inside: its own recursion.
    depth: usize,
}

impl Parser<'_> {
    fn origin(&self, start: usize, end: usize) -> Origin {
        match self.base {
            Some(b) => Origin::new(self.file, b + start..b + end.max(start + 1)),
            None => self.whole.clone(),
        }
    }

    fn error<T>(&self, start: usize, message: impl Into<String>) -> Result<T, ExprSyntaxError> {
        Err(ExprSyntaxError {
            message: message.into(),
            origin: self.origin(start, (start + 1).min(self.src.len().max(start + 1))),
            limit: None,
        })
    }

    fn too_deep<T>(&self, start: usize) -> Result<T, ExprSyntaxError> {
        Err(ExprSyntaxError {
            message: format!("expression nests deeper than {MAX_DEPTH} levels"),
            origin: self.origin(start, start + 1),
            limit: Some(Limit::Depth),
        })
    }

    /// Step into a nested `(`, `!` or call at `start`, refusing to recurse past the limit.
    fn enter(&mut self, start: usize) -> Result<(), ExprSyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.too_deep(start);
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// The height of a node over children of height `child`, refused past the limit.
    fn grow(&self, child: Height, start: usize) -> Result<Height, ExprSyntaxError> {
        if child + 1 > MAX_DEPTH {
            return self.too_deep(start);
        }
        Ok(child + 1)
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_whitespace() {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
    }

    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_ws();
        if self.src[self.pos..].starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn parse_full(&mut self) -> Result<Ast, ExprSyntaxError> {
        self.skip_ws();
        if self.pos >= self.src.len() {
            return self.error(0, "empty `${}` expression");
        }
        let (ast, _) = self.parse_or()?;
        self.skip_ws();
        if self.pos < self.src.len() {
            return self.error(
                self.pos,
                format!("unexpected `{}` in expression", &self.src[self.pos..]),
            );
        }
        Ok(ast)
    }

    // Chains (`a || b || c`) are parsed in a loop but nest to the left, so each operand adds
    // one to the height the evaluator will recurse through.
    fn parse_or(&mut self) -> Result<(Ast, Height), ExprSyntaxError> {
        let (mut left, mut height) = self.parse_and()?;
        while self.eat("||") {
            let at = self.pos;
            let (right, h) = self.parse_and()?;
            height = self.grow(height.max(h), at)?;
            left = Ast::Bin(BinOp::Or, Box::new(left), Box::new(right));
        }
        Ok((left, height))
    }

    fn parse_and(&mut self) -> Result<(Ast, Height), ExprSyntaxError> {
        let (mut left, mut height) = self.parse_cmp()?;
        while self.eat("&&") {
            let at = self.pos;
            let (right, h) = self.parse_cmp()?;
            height = self.grow(height.max(h), at)?;
            left = Ast::Bin(BinOp::And, Box::new(left), Box::new(right));
        }
        Ok((left, height))
    }

    fn parse_cmp(&mut self) -> Result<(Ast, Height), ExprSyntaxError> {
        let (left, lh) = self.parse_unary()?;
        let op = if self.eat("==") {
            BinOp::Eq
        } else if self.eat("!=") {
            BinOp::Ne
        } else {
            return Ok((left, lh));
        };
        let at = self.pos;
        let (right, rh) = self.parse_unary()?;
        let height = self.grow(lh.max(rh), at)?;
        Ok((Ast::Bin(op, Box::new(left), Box::new(right)), height))
    }

    fn parse_unary(&mut self) -> Result<(Ast, Height), ExprSyntaxError> {
        self.skip_ws();
        if self.src[self.pos..].starts_with('!') && !self.src[self.pos..].starts_with("!=") {
            let start = self.pos;
            self.pos += 1;
            self.enter(start)?;
            let (inner, h) = self.parse_unary()?;
            self.leave();
            return Ok((Ast::Not(Box::new(inner)), self.grow(h, start)?));
        }
        self.parse_primary()
    }

    fn parse_primary(&mut self) -> Result<(Ast, Height), ExprSyntaxError> {
        self.skip_ws();
        let start = self.pos;
        let Some(c) = self.peek() else {
            return self.error(start, "expression ends too early");
        };
        if c == '(' {
            self.pos += 1;
            self.enter(start)?;
            let inner = self.parse_or()?;
            self.leave();
            if !self.eat(")") {
                return self.error(self.pos, "expected `)`");
            }
            return Ok(inner);
        }
        if c == '"' || c == '\'' {
            return Ok((self.parse_string_lit(c)?, 1));
        }
        if c.is_ascii_digit() || c == '-' {
            return Ok((self.parse_number()?, 1));
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let mut segments = vec![self.ident()];
            while self.src[self.pos..].starts_with('.') {
                self.pos += 1;
                let seg_start = self.pos;
                let seg = self.ident();
                if seg.is_empty() {
                    return self.error(seg_start, "expected a name after `.`");
                }
                segments.push(seg);
            }
            let end = self.pos;
            if segments.len() == 1 {
                let name = segments.remove(0);
                match name.as_str() {
                    "true" => return Ok((Ast::Lit(Value::Bool(true)), 1)),
                    "false" => return Ok((Ast::Lit(Value::Bool(false)), 1)),
                    "null" => return Ok((Ast::Lit(Value::Null), 1)),
                    _ => {}
                }
                if self.eat("(") {
                    self.enter(start)?;
                    let mut args = Vec::new();
                    let mut height = 0;
                    if !self.eat(")") {
                        loop {
                            let (arg, h) = self.parse_or()?;
                            args.push(arg);
                            height = height.max(h);
                            if self.eat(")") {
                                break;
                            }
                            if !self.eat(",") {
                                return self.error(self.pos, "expected `,` or `)` in call");
                            }
                        }
                    }
                    self.leave();
                    let height = self.grow(height, start)?;
                    return Ok((Ast::Call(name, args, self.origin(start, end)), height));
                }
                return self.error(
                    start,
                    format!("`{name}` is not a reference: write `var.{name}`, `tier.name` or `KIND.NAME.ATTRIBUTE`"),
                );
            }
            let origin = self.origin(start, end);
            let target = match segments[0].as_str() {
                "var" if segments.len() == 2 => RefTarget::Var(segments[1].clone()),
                "var" => return self.error(start, "a variable reference is `var.NAME`"),
                "tier" | "stack" | "deployment" if segments.len() == 2 => RefTarget::Context {
                    scope: segments[0].clone(),
                    field: segments[1].clone(),
                },
                _ if segments.len() >= 3 => RefTarget::Resource {
                    address: Address::new(segments[0].clone(), segments[1].clone()),
                    attr: segments[2].clone(),
                    path: segments[3..].to_vec(),
                },
                _ => {
                    return self.error(
                        start,
                        format!(
                            "`{}` names a resource but no attribute: write `{}.id` or another attribute",
                            segments.join("."),
                            segments.join(".")
                        ),
                    )
                }
            };
            return Ok((Ast::Ref(Ref { target, origin }), 1));
        }
        self.error(start, format!("unexpected `{c}` in expression"))
    }

    fn ident(&mut self) -> String {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                self.pos += 1;
            } else {
                break;
            }
        }
        self.src[start..self.pos].to_string()
    }

    fn parse_string_lit(&mut self, quote: char) -> Result<Ast, ExprSyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        let mut escaped = false;
        while let Some(c) = self.peek() {
            self.pos += c.len_utf8();
            if escaped {
                out.push(match c {
                    'n' => '\n',
                    't' => '\t',
                    other => other,
                });
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == quote {
                return Ok(Ast::Lit(Value::String(out)));
            } else {
                out.push(c);
            }
        }
        self.error(start, "string literal is never closed")
    }

    fn parse_number(&mut self) -> Result<Ast, ExprSyntaxError> {
        let start = self.pos;
        if self.peek() == Some('-') {
            self.pos += 1;
        }
        while let Some(c) = self.peek() {
            if c.is_ascii_digit() || c == '.' || c == '_' {
                self.pos += 1;
            } else {
                break;
            }
        }
        let text: String = self.src[start..self.pos]
            .chars()
            .filter(|c| *c != '_')
            .collect();
        if let Ok(i) = text.parse::<i64>() {
            return Ok(Ast::Lit(Value::Int(i)));
        }
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Ast::Lit(Value::Float(f))),
            _ => self.error(start, format!("`{text}` is not a number")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<ExprKind, ExprSyntaxError> {
        parse_string(s, FileId(0), Some(0), Origin::new(FileId(0), 0..s.len()))
    }

    #[test]
    fn plain_strings_stay_literal() {
        assert_eq!(parse("hello").unwrap(), ExprKind::Lit(Value::str("hello")));
        assert_eq!(
            parse("a $${b}").unwrap(),
            ExprKind::Lit(Value::str("a ${b}"))
        );
    }

    #[test]
    fn single_reference_keeps_its_type() {
        let ExprKind::Single(Ast::Ref(r)) = parse("${var.services}").unwrap() else {
            panic!("expected a single reference");
        };
        assert_eq!(r.target, RefTarget::Var("services".into()));
        assert_eq!(r.origin.span, 2..14);
    }

    #[test]
    fn templates_mix_text_and_references() {
        let ExprKind::Template(parts) = parse("http://${instance.host.public_ip}:5678").unwrap()
        else {
            panic!("expected a template");
        };
        assert_eq!(parts.len(), 3);
        let Part::Interp(Ast::Ref(r)) = &parts[1] else {
            panic!("expected a reference");
        };
        assert_eq!(
            r.target,
            RefTarget::Resource {
                address: Address::new("instance", "host"),
                attr: "public_ip".into(),
                path: vec![]
            }
        );
        assert_eq!(r.origin.span, 9..32);
    }

    #[test]
    fn operators_and_calls() {
        let kind = parse("${var.market == \"spot\" && !contains(var.services, 'ollama')}").unwrap();
        let ExprKind::Single(Ast::Bin(BinOp::And, _, right)) = kind else {
            panic!("expected &&");
        };
        assert!(matches!(*right, Ast::Not(_)));
    }

    #[test]
    fn syntax_errors_point_inside_the_string() {
        let err = parse("x ${var.a +}").unwrap_err();
        assert_eq!(err.origin.span.start, 10);
        assert!(parse("${var.a").is_err());
        assert!(parse("${}").is_err());
        assert!(parse("${vpc.main}").is_err());
        assert!(parse("${foo}").is_err());
    }

    #[test]
    fn nesting_is_bounded_where_it_is_hit() {
        let nested = |n: usize| format!("${{{}true{}}}", "(".repeat(n), ")".repeat(n));
        assert!(parse(&nested(MAX_DEPTH)).is_ok());
        let err = parse(&nested(MAX_DEPTH + 1)).unwrap_err();
        assert_eq!(err.limit, Some(Limit::Depth));
        // The `(` one past the limit, after `${`.
        assert_eq!(err.origin.span.start, 2 + MAX_DEPTH);
        let err = parse(&nested(20_000)).unwrap_err();
        assert_eq!(err.code(), crate::config::codes::TOO_DEEP);

        let nots = format!("${{{}true}}", "!".repeat(20_000));
        assert_eq!(parse(&nots).unwrap_err().limit, Some(Limit::Depth));
        let calls = format!("${{{}1{}}}", "length(".repeat(20_000), ")".repeat(20_000));
        assert_eq!(parse(&calls).unwrap_err().limit, Some(Limit::Depth));
    }

    #[test]
    fn chains_count_towards_the_height() {
        let chain = |n: usize| format!("${{{}}}", vec!["true"; n].join(" || "));
        assert!(parse(&chain(MAX_DEPTH)).is_ok());
        assert_eq!(
            parse(&chain(MAX_DEPTH + 1)).unwrap_err().limit,
            Some(Limit::Depth)
        );
        let long = format!("${{{}}}", vec!["var.a"; 20_000].join(" && "));
        assert_eq!(parse(&long).unwrap_err().limit, Some(Limit::Depth));
        // Parentheses add no height: a chain of nested groups is as deep as its nesting.
        let grouped = format!("${{{}true{}}}", "(true || ".repeat(40), ")".repeat(40));
        assert!(parse(&grouped).is_ok());
    }
}
