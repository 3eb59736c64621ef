//! Evaluation of attribute expressions against a scope (variables, context, other resources).

use super::expr::{Ast, BinOp, Expr, ExprKind, Part, RefTarget};
use super::limits::{Limit, MAX_STRING_BYTES};
use super::source::Origin;
use crate::address::Address;
use crate::value::Value;
use std::collections::BTreeMap;

/// A value and whether anything sensitive went into it.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    /// The value (may contain `Unknown`).
    pub value: Value,
    /// A sensitive variable or attribute contributed to it.
    pub sensitive: bool,
}

impl Evaluated {
    fn known(value: Value, sensitive: bool) -> Self {
        Evaluated { value, sensitive }
    }
}

/// Where references get their values.
pub trait Scope {
    /// `var.NAME`: value and sensitivity, `None` if undeclared.
    fn var(&self, name: &str) -> Option<Evaluated>;
    /// `tier.name` and friends, `None` if not a known field.
    fn context(&self, scope: &str, field: &str) -> Option<Value>;
    /// `KIND.NAME.ATTR`: the attribute's value, `Value::Unknown` until apply tells.
    fn resource_attr(&self, address: &Address, attr: &str) -> Evaluated;
}

/// Why an expression could not be evaluated.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalError {
    /// What went wrong.
    pub message: String,
    /// Where.
    pub origin: Origin,
    /// The bound the value exceeded, when that is what went wrong.
    pub limit: Option<Limit>,
}

impl EvalError {
    fn new(message: String, origin: &Origin) -> Self {
        EvalError {
            message,
            origin: origin.clone(),
            limit: None,
        }
    }

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

/// Refuse a string grown past [`MAX_STRING_BYTES`]: a template interpolating a large value
/// many times could otherwise fill memory.
fn bounded(len: usize, origin: &Origin) -> Result<(), EvalError> {
    if len > MAX_STRING_BYTES {
        return Err(EvalError {
            message: format!("the value is longer than {MAX_STRING_BYTES} bytes"),
            origin: origin.clone(),
            limit: Some(Limit::StringBytes),
        });
    }
    Ok(())
}

/// Evaluate an attribute expression.
pub fn eval(expr: &Expr, scope: &dyn Scope) -> Result<Evaluated, EvalError> {
    match &expr.kind {
        ExprKind::Lit(v) => Ok(Evaluated::known(v.clone(), false)),
        ExprKind::Single(ast) => eval_ast(ast, scope, &expr.origin),
        ExprKind::Template(parts) => {
            let mut out = Rendered::default();
            render(parts, scope, &expr.origin, &mut out)?;
            Ok(Evaluated::known(
                if out.unknown {
                    Value::Unknown
                } else {
                    Value::String(out.text)
                },
                out.sensitive,
            ))
        }
        ExprKind::List(items) => {
            let mut sensitive = false;
            let mut values = Vec::with_capacity(items.len());
            for item in items {
                let v = eval(item, scope)?;
                sensitive |= v.sensitive;
                values.push(v.value);
            }
            Ok(Evaluated::known(Value::List(values), sensitive))
        }
        ExprKind::Map(map) => {
            let mut sensitive = false;
            let mut values = BTreeMap::new();
            for (k, item) in map {
                let v = eval(item, scope)?;
                sensitive |= v.sensitive;
                values.insert(k.clone(), v.value);
            }
            Ok(Evaluated::known(Value::Map(values), sensitive))
        }
    }
}

/// A template being rendered.
#[derive(Default)]
struct Rendered {
    text: String,
    sensitive: bool,
    unknown: bool,
}

fn render(
    parts: &[Part],
    scope: &dyn Scope,
    origin: &Origin,
    out: &mut Rendered,
) -> Result<(), EvalError> {
    for part in parts {
        match part {
            Part::Text(t) => {
                bounded(out.text.len() + t.len(), origin)?;
                out.text.push_str(t);
            }
            Part::Interp(ast) => {
                let v = eval_ast(ast, scope, origin)?;
                out.sensitive |= v.sensitive;
                match &v.value {
                    Value::Unknown => out.unknown = true,
                    other => {
                        let text = stringify(other, origin)?;
                        bounded(out.text.len() + text.len(), origin)?;
                        out.text.push_str(&text);
                    }
                }
            }
            Part::Cond(cond, then, other) => {
                let c = eval_ast(cond, scope, origin)?;
                out.sensitive |= c.sensitive;
                match c.value {
                    Value::Bool(true) => render(then, scope, origin, out)?,
                    Value::Bool(false) => render(other, scope, origin, out)?,
                    Value::Unknown => out.unknown = true,
                    v => return Err(type_error("`{{ if }}`", "a bool", &v, origin)),
                }
            }
        }
    }
    Ok(())
}

/// Text of a scalar for string interpolation.
fn stringify(value: &Value, origin: &Origin) -> Result<String, EvalError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Int(i) => Ok(i.to_string()),
        Value::Float(f) => Ok(f.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Ok(String::new()),
        Value::Redacted(_) => Ok("(sensitive)".into()),
        Value::Unknown => Ok(String::new()),
        Value::List(_) | Value::Map(_) => Err(EvalError::new(
            format!(
                "a {} cannot be placed inside a string; use `join(\",\", ...)` or reference it alone as \"${{...}}\"",
                value.type_name()
            ),
            origin,
        )),
    }
}

fn eval_ast(ast: &Ast, scope: &dyn Scope, whole: &Origin) -> Result<Evaluated, EvalError> {
    match ast {
        Ast::Lit(v) => Ok(Evaluated::known(v.clone(), false)),
        Ast::Ref(r) => match &r.target {
            RefTarget::Var(name) => scope
                .var(name)
                .ok_or_else(|| EvalError::new(format!("no variable `{name}`"), &r.origin)),
            RefTarget::Context { scope: s, field } => scope
                .context(s, field)
                .map(|v| Evaluated::known(v, false))
                .ok_or_else(|| {
                    EvalError::new(format!("`{s}.{field}` is not available here"), &r.origin)
                }),
            RefTarget::Resource {
                address,
                attr,
                path,
            } => {
                let mut v = scope.resource_attr(address, attr);
                for key in path {
                    v.value = match v.value {
                        Value::Map(mut m) => m.remove(key).unwrap_or(Value::Null),
                        Value::Unknown => Value::Unknown,
                        other => {
                            return Err(EvalError::new(
                                format!(
                                    "`{address}.{attr}` is {}, it has no key `{key}`",
                                    crate::value::with_article(other.type_name())
                                ),
                                &r.origin,
                            ))
                        }
                    };
                }
                Ok(v)
            }
        },
        Ast::Not(inner) => {
            let v = eval_ast(inner, scope, whole)?;
            let value = match v.value {
                Value::Bool(b) => Value::Bool(!b),
                Value::Unknown => Value::Unknown,
                other => return Err(type_error("`!`", "a bool", &other, whole)),
            };
            Ok(Evaluated::known(value, v.sensitive))
        }
        Ast::Bin(op, a, b) => {
            let a = eval_ast(a, scope, whole)?;
            // `&&` and `||` short-circuit on a known left side, so `enabled` expressions can
            // guard references that only exist in some tiers.
            match (op, &a.value) {
                (BinOp::And, Value::Bool(false)) => return Ok(a),
                (BinOp::Or, Value::Bool(true)) => return Ok(a),
                _ => {}
            }
            let b = eval_ast(b, scope, whole)?;
            let sensitive = a.sensitive || b.sensitive;
            let value = match op {
                BinOp::Eq | BinOp::Ne => {
                    if !a.value.is_known() || !b.value.is_known() {
                        Value::Unknown
                    } else {
                        let eq = values_equal(&a.value, &b.value);
                        Value::Bool(if *op == BinOp::Eq { eq } else { !eq })
                    }
                }
                BinOp::And | BinOp::Or => match (&a.value, &b.value) {
                    (Value::Bool(_), Value::Bool(y)) => Value::Bool(*y),
                    (Value::Unknown, _) | (_, Value::Unknown) => Value::Unknown,
                    (Value::Bool(_), other) | (other, _) => {
                        let name = if *op == BinOp::And { "`&&`" } else { "`||`" };
                        return Err(type_error(name, "bools", other, whole));
                    }
                },
            };
            Ok(Evaluated::known(value, sensitive))
        }
        // `if` evaluates only the branch it takes, so the other may name a resource that is
        // not there.
        Ast::Call(name, args, origin) if name == "if" => {
            let [cond, then, otherwise] = args.as_slice() else {
                return Err(EvalError::new(
                    "`if` takes (condition, value if true, value if false)".into(),
                    origin,
                ));
            };
            let c = eval_ast(cond, scope, whole)?;
            let mut v = match c.value {
                Value::Bool(true) => eval_ast(then, scope, whole)?,
                Value::Bool(false) => eval_ast(otherwise, scope, whole)?,
                Value::Unknown => Evaluated::known(Value::Unknown, false),
                other => return Err(type_error("`if`", "a bool condition", &other, origin)),
            };
            v.sensitive |= c.sensitive;
            Ok(v)
        }
        Ast::Call(name, args, origin) => {
            let mut values = Vec::with_capacity(args.len());
            let mut sensitive = false;
            for arg in args {
                let v = eval_ast(arg, scope, whole)?;
                sensitive |= v.sensitive;
                values.push(v.value);
            }
            let value = call(name, &values, origin)?;
            Ok(Evaluated::known(value, sensitive))
        }
    }
}

fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => (*x as f64) == *y,
        _ => a == b,
    }
}

fn type_error(op: &str, expected: &str, found: &Value, origin: &Origin) -> EvalError {
    EvalError::new(
        format!(
            "{op} needs {expected}, found {}",
            crate::value::with_article(found.type_name())
        ),
        origin,
    )
}

/// The names of the built-in functions, for "did you mean".
pub const FUNCTIONS: &[&str] = &["contains", "if", "join", "length"];

fn call(name: &str, args: &[Value], origin: &Origin) -> Result<Value, EvalError> {
    let err = |message: String| EvalError::new(message, origin);
    if args.iter().any(|a| !a.is_known()) && FUNCTIONS.contains(&name) {
        return Ok(Value::Unknown);
    }
    match (name, args) {
        ("contains", [Value::List(items), item]) => {
            Ok(Value::Bool(items.iter().any(|i| values_equal(i, item))))
        }
        ("contains", [Value::String(s), Value::String(sub)]) => {
            Ok(Value::Bool(s.contains(sub.as_str())))
        }
        ("contains", _) => Err(err(
            "`contains` takes (list, item) or (string, substring)".into()
        )),
        ("join", [Value::String(sep), Value::List(items)]) => {
            let parts = items
                .iter()
                .map(|i| stringify(i, origin))
                .collect::<Result<Vec<String>, EvalError>>()?;
            let len = parts.iter().map(String::len).sum::<usize>()
                + sep.len() * parts.len().saturating_sub(1);
            bounded(len, origin)?;
            Ok(Value::String(parts.join(sep)))
        }
        ("join", _) => Err(err("`join` takes (separator string, list)".into())),
        ("length", [Value::List(items)]) => Ok(Value::Int(items.len() as i64)),
        ("length", [Value::Map(map)]) => Ok(Value::Int(map.len() as i64)),
        ("length", [Value::String(s)]) => Ok(Value::Int(s.chars().count() as i64)),
        ("length", _) => Err(err("`length` takes one list, table or string".into())),
        _ => {
            let hint = super::diagnostic::did_you_mean(name, FUNCTIONS.iter().copied())
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_else(|| format!("; available: {}", FUNCTIONS.join(", ")));
            Err(err(format!("unknown function `{name}`{hint}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::expr::parse_string;
    use super::super::source::FileId;
    use super::*;

    struct TestScope;
    impl Scope for TestScope {
        fn var(&self, name: &str) -> Option<Evaluated> {
            match name {
                "market" => Some(Evaluated::known(Value::str("spot"), false)),
                "services" => Some(Evaluated::known(
                    Value::List(vec![Value::str("n8n"), Value::str("ollama")]),
                    false,
                )),
                "password" => Some(Evaluated::known(Value::str("hunter2"), true)),
                "half" => Some(Evaluated::known(
                    Value::String("x".repeat(MAX_STRING_BYTES / 2)),
                    false,
                )),
                "halves" => Some(Evaluated::known(
                    Value::List(vec![Value::String("x".repeat(MAX_STRING_BYTES / 2)); 2]),
                    false,
                )),
                _ => None,
            }
        }
        fn context(&self, scope: &str, field: &str) -> Option<Value> {
            (scope == "tier" && field == "name").then(|| Value::str("dev"))
        }
        fn resource_attr(&self, _: &Address, attr: &str) -> Evaluated {
            if attr == "id" {
                Evaluated::known(Value::str("vpc-123"), false)
            } else {
                Evaluated::known(Value::Unknown, false)
            }
        }
    }

    fn ev(s: &str) -> Result<Evaluated, EvalError> {
        let origin = Origin::new(FileId(0), 0..s.len());
        let kind = parse_string(s, FileId(0), Some(0), origin.clone()).unwrap();
        eval(&Expr { kind, origin }, &TestScope)
    }

    #[test]
    fn evaluates_references_and_operators() {
        assert_eq!(
            ev("${var.market == \"spot\"}").unwrap().value,
            Value::Bool(true)
        );
        assert_eq!(
            ev("${contains(var.services, \"ollama\")}").unwrap().value,
            Value::Bool(true)
        );
        assert_eq!(
            ev("${!contains(var.services, 'qdrant')}").unwrap().value,
            Value::Bool(true)
        );
        assert_eq!(ev("env-${tier.name}").unwrap().value, Value::str("env-dev"));
        assert_eq!(
            ev("${join(\",\", var.services)}").unwrap().value,
            Value::str("n8n,ollama")
        );
        assert_eq!(ev("${vpc.main.id}").unwrap().value, Value::str("vpc-123"));
    }

    #[test]
    fn unknowns_propagate_and_sensitivity_sticks() {
        assert_eq!(
            ev("http://${instance.host.public_ip}:80").unwrap().value,
            Value::Unknown
        );
        let v = ev("postgres://u:${var.password}@db").unwrap();
        assert!(v.sensitive);
        assert_eq!(
            ev("${false && instance.host.public_ip == 'x'}")
                .unwrap()
                .value,
            Value::Bool(false)
        );
    }

    #[test]
    fn strings_are_bounded() {
        assert!(ev("${var.half}${var.half}").is_ok());
        let err = ev("${var.half}${var.half}!").unwrap_err();
        assert_eq!(err.limit, Some(Limit::StringBytes));
        assert_eq!(err.code(), crate::config::codes::TOO_LARGE);
        let err = ev("${var.half}-${var.half}").unwrap_err();
        assert_eq!(err.limit, Some(Limit::StringBytes));
        assert!(ev("${join(\"\", var.halves)}").is_ok());
        let err = ev("${join(\",\", var.halves)}").unwrap_err();
        assert_eq!(err.limit, Some(Limit::StringBytes));
    }

    #[test]
    fn errors_are_reported() {
        assert!(ev("a ${var.services} b").is_err());
        assert!(ev("${contain(var.services, 'x')}").is_err());
        assert!(ev("${!var.market}").is_err());
    }
}
