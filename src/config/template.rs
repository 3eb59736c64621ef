//! Template files: `${template("user-data.sh.tpl")}` in a resource attribute is replaced by
//! the file's text, rendered with the same expressions and scope as the attribute.
//!
//! Template files use `{{ expr }}` rather than `${...}`, so that shell scripts keep their own
//! `${VAR}` untouched. A line holding only `{{ if expr }}`, `{{ else }}` or `{{ end }}` opens,
//! splits or closes a conditional block and is itself dropped from the output. `{{ "{{" }}`
//! writes a literal `{{`. Conditions over variables alone are decided while loading, so a
//! block for a switched-off service may name resources that service would need.

use super::diagnostic::{codes, ConfigError};
use super::eval::{eval, Evaluated};
use super::expr::{parse_bare, Ast, Expr, ExprKind, ExprSyntaxError, Part, RefTarget};
use super::limits::{Limit, MAX_DEPTH};
use super::resolve::StaticScope;
use super::source::{FileId, Origin};
use crate::value::Value;

/// The function name that pulls in a template file.
pub const FUNCTION: &str = "template";

/// Reads a template file named by `template("...")`, relative to the file that names it.
pub trait TemplateFiles {
    /// The file's id and text, or a diagnostic pointing at `origin`.
    fn open(&mut self, path: &str, origin: &Origin) -> Result<(FileId, String), ConfigError>;
}

/// Replace every `${template("path")}` inside `expr` by the parsed file, then decide the
/// blocks whose conditions use only variables and context.
pub fn expand(
    expr: &mut Expr,
    files: &mut dyn TemplateFiles,
    scope: &StaticScope<'_>,
) -> Result<(), ConfigError> {
    match &mut expr.kind {
        ExprKind::Single(Ast::Call(name, args, origin)) if name == FUNCTION => {
            let path = match args.as_slice() {
                [Ast::Lit(Value::String(p))] => p.clone(),
                _ => {
                    return Err(ConfigError::new(
                        codes::BAD_EXPRESSION,
                        "`template` takes one literal path",
                    )
                    .label(origin.clone(), "expected template(\"file\")")
                    .help("write e.g. `user_data = '${template(\"user-data.sh.tpl\")}'`, a path relative to the stack file"))
                }
            };
            let (file, text) = files.open(&path, origin)?;
            let parts = fold(parse(&text, file)?, scope)?;
            expr.kind = if parts.iter().all(|p| matches!(p, Part::Text(_))) {
                ExprKind::Lit(Value::String(
                    parts
                        .into_iter()
                        .filter_map(|p| match p {
                            Part::Text(t) => Some(t),
                            _ => None,
                        })
                        .collect(),
                ))
            } else {
                ExprKind::Template(parts)
            };
            Ok(())
        }
        ExprKind::Single(ast) => fold_ast(ast, scope),
        ExprKind::Template(parts) => {
            let folded = fold(std::mem::take(parts), scope)?;
            *parts = folded;
            Ok(())
        }
        ExprKind::List(items) => items.iter_mut().try_for_each(|i| expand(i, files, scope)),
        ExprKind::Map(map) => map.values_mut().try_for_each(|v| expand(v, files, scope)),
        ExprKind::Lit(_) => Ok(()),
    }
}

/// Replace every `if(cond, a, b)` whose condition uses only variables and context by the
/// branch it takes, so that references in the other branch are never checked nor followed.
fn fold_ast(ast: &mut Ast, scope: &StaticScope<'_>) -> Result<(), ConfigError> {
    match ast {
        Ast::Call(name, args, _) if name == "if" && args.len() == 3 => {
            args.iter_mut().try_for_each(|a| fold_ast(a, scope))?;
            match static_condition(&args[0], scope)? {
                Some(Decided {
                    taken,
                    sensitive: false,
                }) => {
                    let branch = args.swap_remove(if taken { 1 } else { 2 });
                    *ast = branch;
                }
                // The branch taken tells something about a secret: keep the condition, so
                // that evaluation marks the value sensitive, and drop only the other branch.
                Some(Decided {
                    taken,
                    sensitive: true,
                }) => args[if taken { 2 } else { 1 }] = Ast::Lit(Value::Null),
                None => {}
            }
            Ok(())
        }
        Ast::Call(_, args, _) => args.iter_mut().try_for_each(|a| fold_ast(a, scope)),
        Ast::Not(inner) => fold_ast(inner, scope),
        Ast::Bin(_, a, b) => {
            fold_ast(a, scope)?;
            fold_ast(b, scope)
        }
        Ast::Lit(_) | Ast::Ref(_) => Ok(()),
    }
}

/// A condition decided while loading.
struct Decided {
    /// Its value.
    taken: bool,
    /// A sensitive variable went into it.
    sensitive: bool,
}

/// The value of a condition that uses only variables and context; `None` when it names a
/// resource (decided during apply).
fn static_condition(cond: &Ast, scope: &StaticScope<'_>) -> Result<Option<Decided>, ConfigError> {
    let mut uses_resources = false;
    cond.visit_refs(&mut |r| uses_resources |= matches!(r.target, RefTarget::Resource { .. }));
    if uses_resources {
        return Ok(None);
    }
    let origin = first_origin(cond);
    let as_expr = Expr {
        kind: ExprKind::Single(cond.clone()),
        origin: origin.clone(),
    };
    match eval(&as_expr, scope) {
        Ok(Evaluated {
            value: Value::Bool(taken),
            sensitive,
        }) => Ok(Some(Decided { taken, sensitive })),
        Ok(Evaluated { value: other, .. }) => Err(ConfigError::new(
            codes::WRONG_TYPE,
            format!(
                "a condition must be true or false, this is {}",
                crate::value::with_article(other.type_name())
            ),
        )
        .label(origin, "not a bool")
        .help("write a comparison such as `contains(var.services, \"n8n\")` or `var.market == \"spot\"`")),
        Err(e) => Err(ConfigError::new(e.code(), e.message.clone())
            .help(e.help_or("fix the condition"))
            .label(e.origin, e.message)),
    }
}

/// Decide the static `if`s of an expression that may not pull in template files.
pub fn fold_static(expr: &mut Expr, scope: &StaticScope<'_>) -> Result<(), ConfigError> {
    expand(expr, &mut NoTemplates, scope)
}

/// Where `template(...)` is not allowed.
struct NoTemplates;

impl TemplateFiles for NoTemplates {
    fn open(&mut self, _: &str, origin: &Origin) -> Result<(FileId, String), ConfigError> {
        Err(ConfigError::new(
            codes::BAD_EXPRESSION,
            "`template` is only allowed in resource attributes and outputs",
        )
        .label(origin.clone(), "not here")
        .help("write the value inline"))
    }
}

/// An open `{{ if }}` block while parsing.
struct Open {
    cond: Ast,
    then: Vec<Part>,
    otherwise: Option<Vec<Part>>,
    origin: Origin,
}

/// What a line holding only a tag says.
enum Tag<'a> {
    If(&'a str, usize),
    Else,
    End,
}

/// Parse a template file into parts.
pub fn parse(text: &str, file: FileId) -> Result<Vec<Part>, ConfigError> {
    let mut stack: Vec<Open> = Vec::new();
    let mut top: Vec<Part> = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let at = offset;
        offset += line.len();
        let current = match stack.last_mut() {
            Some(open) => open.otherwise.as_mut().unwrap_or(&mut open.then),
            None => &mut top,
        };
        match block_tag(line) {
            Some(Tag::If(cond, start)) => {
                let ast = parse_bare(cond, file, at + start).map_err(syntax)?;
                let origin = Origin::new(file, at..at + line.trim_end().len());
                // Blocks are rendered and folded recursively: bound them like expressions.
                if stack.len() >= MAX_DEPTH {
                    return Err(ConfigError::new(
                        Limit::Depth.code(),
                        format!("`{{{{ if }}}}` blocks nest deeper than {MAX_DEPTH} levels"),
                    )
                    .label(origin, "one block too many")
                    .help(Limit::Depth.help()));
                }
                stack.push(Open {
                    cond: ast,
                    then: Vec::new(),
                    otherwise: None,
                    origin,
                });
            }
            Some(Tag::Else) => match stack.last_mut() {
                Some(open) if open.otherwise.is_none() => open.otherwise = Some(Vec::new()),
                _ => return Err(stray("{{ else }}", file, at, line)),
            },
            Some(Tag::End) => {
                let open = stack
                    .pop()
                    .ok_or_else(|| stray("{{ end }}", file, at, line))?;
                let part = Part::Cond(open.cond, open.then, open.otherwise.unwrap_or_default());
                match stack.last_mut() {
                    Some(o) => o.otherwise.as_mut().unwrap_or(&mut o.then).push(part),
                    None => top.push(part),
                }
            }
            None => inline(line, file, at, current)?,
        }
    }
    if let Some(open) = stack.pop() {
        return Err(
            ConfigError::new(codes::BAD_EXPRESSION, "`{{ if }}` block is never closed")
                .label(open.origin, "opened here")
                .help("close the block with a line holding only `{{ end }}`"),
        );
    }
    Ok(top)
}

/// The tag a line holds, when the line holds nothing else.
fn block_tag(line: &str) -> Option<Tag<'_>> {
    let trimmed = line.trim();
    let inner = trimmed.strip_prefix("{{")?.strip_suffix("}}")?;
    if inner.contains("{{") || inner.contains("}}") {
        return None;
    }
    let word = inner.trim();
    if word == "else" {
        return Some(Tag::Else);
    }
    if word == "end" {
        return Some(Tag::End);
    }
    let cond = word.strip_prefix("if")?;
    if !cond.starts_with(char::is_whitespace) {
        return None;
    }
    let cond = cond.trim();
    // Where the condition starts in the line, for spans into the file.
    let start = line.find(cond).unwrap_or(0);
    Some(Tag::If(cond, start))
}

/// Text and `{{ expr }}` interpolations of one ordinary line.
fn inline(line: &str, file: FileId, at: usize, out: &mut Vec<Part>) -> Result<(), ConfigError> {
    let mut rest = 0;
    while let Some(open) = line[rest..].find("{{").map(|i| rest + i) {
        push_text(out, &line[rest..open]);
        let body = open + 2;
        let close = line[body..].find("}}").map(|i| body + i).ok_or_else(|| {
            syntax(ExprSyntaxError {
                message: "`{{` is never closed with `}}` on this line".into(),
                origin: Origin::new(file, at + open..at + open + 2),
                limit: None,
            })
        })?;
        let ast = parse_bare(&line[body..close], file, at + body).map_err(syntax)?;
        match ast {
            Ast::Lit(Value::String(s)) => push_text(out, &s),
            ast => out.push(Part::Interp(ast)),
        }
        rest = close + 2;
    }
    push_text(out, &line[rest..]);
    Ok(())
}

fn push_text(out: &mut Vec<Part>, text: &str) {
    if text.is_empty() {
        return;
    }
    match out.last_mut() {
        Some(Part::Text(t)) => t.push_str(text),
        _ => out.push(Part::Text(text.to_string())),
    }
}

fn syntax(e: ExprSyntaxError) -> ConfigError {
    ConfigError::new(e.code(), format!("bad template: {}", e.message))
        .help(e.help_or("template files use `{{ expr }}` and lines holding only `{{ if expr }}`, `{{ else }}` or `{{ end }}`"))
        .label(e.origin, e.message)
}

fn stray(tag: &str, file: FileId, at: usize, line: &str) -> ConfigError {
    ConfigError::new(
        codes::BAD_EXPRESSION,
        format!("`{tag}` without an open `{{{{ if }}}}`"),
    )
    .label(
        Origin::new(file, at..at + line.trim_end().len()),
        "no block to close",
    )
    .help("every block starts with a line holding only `{{ if expr }}`")
}

/// Decide the blocks whose conditions use only variables and context; keep the others.
fn fold(parts: Vec<Part>, scope: &StaticScope<'_>) -> Result<Vec<Part>, ConfigError> {
    let mut out = Vec::with_capacity(parts.len());
    for part in parts {
        match part {
            Part::Cond(mut cond, then, otherwise) => {
                fold_ast(&mut cond, scope)?;
                let chosen = match static_condition(&cond, scope)? {
                    Some(Decided {
                        taken,
                        sensitive: true,
                    }) => {
                        // As for `if(...)`: the block shown depends on a secret, so the
                        // condition stays for evaluation to mark the text sensitive.
                        let (then, otherwise) = if taken {
                            (fold(then, scope)?, Vec::new())
                        } else {
                            (Vec::new(), fold(otherwise, scope)?)
                        };
                        out.push(Part::Cond(cond, then, otherwise));
                        continue;
                    }
                    Some(Decided { taken: true, .. }) => then,
                    Some(Decided { taken: false, .. }) => otherwise,
                    None => {
                        out.push(Part::Cond(
                            cond,
                            fold(then, scope)?,
                            fold(otherwise, scope)?,
                        ));
                        continue;
                    }
                };
                for p in fold(chosen, scope)? {
                    match p {
                        Part::Text(t) => push_text(&mut out, &t),
                        other => out.push(other),
                    }
                }
            }
            Part::Text(t) => push_text(&mut out, &t),
            Part::Interp(mut ast) => {
                fold_ast(&mut ast, scope)?;
                out.push(Part::Interp(ast));
            }
        }
    }
    Ok(out)
}

/// Somewhere to point at for a condition: its first reference, else nowhere in particular.
fn first_origin(ast: &Ast) -> Origin {
    let mut found = None;
    ast.visit_refs(&mut |r| {
        if found.is_none() {
            found = Some(r.origin.clone());
        }
    });
    match (found, ast) {
        (Some(o), _) => o,
        (None, Ast::Call(_, _, o)) => o.clone(),
        (None, _) => Origin::new(FileId(0), 0..0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::Variable;
    use crate::config::resolve::Context;
    use std::collections::BTreeMap;

    fn vars() -> BTreeMap<String, Variable> {
        let mut v = BTreeMap::new();
        for (name, value, sensitive) in [
            (
                "services",
                Value::List(vec![Value::String("n8n".into())]),
                false,
            ),
            ("port", Value::Int(5678), false),
            ("secret", Value::String("hunter2".into()), true),
        ] {
            v.insert(
                name.to_string(),
                Variable {
                    value,
                    sensitive,
                    description: None,
                    origin: Origin::new(FileId(0), 0..0),
                    from: crate::config::VarFrom::StackDefault,
                },
            );
        }
        v
    }

    fn render(text: &str) -> Result<String, ConfigError> {
        render_evaluated(text).map(|(s, _)| s)
    }

    /// The rendered text and whether it is sensitive.
    fn render_evaluated(text: &str) -> Result<(String, bool), ConfigError> {
        let vars = vars();
        let ctx = Context {
            deployment: "d".into(),
            stack: "s".into(),
            tier: "dev".into(),
            region: None,
        };
        let scope = StaticScope {
            vars: &vars,
            ctx: &ctx,
        };
        let parts = fold(parse(text, FileId(0))?, &scope)?;
        let expr = Expr {
            kind: ExprKind::Template(parts),
            origin: Origin::new(FileId(0), 0..0),
        };
        match eval(&expr, &scope) {
            Ok(Evaluated {
                value: Value::String(s),
                sensitive,
            }) => Ok((s, sensitive)),
            Ok(other) => panic!("not a string: {other:?}"),
            Err(e) => Err(ConfigError::new(e.code(), e.message)),
        }
    }

    #[test]
    fn secrets_make_the_rendered_text_sensitive() {
        assert_eq!(
            render_evaluated("pw={{ var.secret }}\n").unwrap(),
            ("pw=hunter2\n".to_string(), true)
        );
        assert!(!render_evaluated("port={{ var.port }}\n").unwrap().1);
        // Which block is kept tells something about the secret, even if it prints none of it.
        let (text, sensitive) = render_evaluated(
            "{{ if var.secret == \"hunter2\" }}\nyes\n{{ else }}\nno\n{{ end }}\n",
        )
        .unwrap();
        assert_eq!((text.as_str(), sensitive), ("yes\n", true));
        let (text, sensitive) =
            render_evaluated("{{ if(var.secret == \"x\", \"yes\", \"no\") }}\n").unwrap();
        assert_eq!((text.as_str(), sensitive), ("no\n", true));
        // Still decided while loading: the dropped block may name what does not exist.
        let (text, _) = render_evaluated(
            "{{ if var.secret == \"x\" }}\n{{ efs_file_system.gone.id }}\n{{ end }}\nz\n",
        )
        .unwrap();
        assert_eq!(text, "z\n");
    }

    #[test]
    fn block_nesting_is_bounded() {
        let nested = |n: usize| {
            format!(
                "{}x\n{}",
                "{{ if var.port == 5678 }}\n".repeat(n),
                "{{ end }}\n".repeat(n)
            )
        };
        assert_eq!(render(&nested(MAX_DEPTH)).unwrap(), "x\n");
        let err = render(&nested(20_000)).unwrap_err();
        assert_eq!(err.code, codes::TOO_DEEP);
        // The block one past the limit.
        let line = err.labels[0].origin.span.start / "{{ if var.port == 5678 }}\n".len();
        assert_eq!(line, MAX_DEPTH);
        let err = render(&format!(
            "{{{{ {}1{} }}}}\n",
            "(".repeat(20_000),
            ")".repeat(20_000)
        ))
        .unwrap_err();
        assert_eq!(err.code, codes::TOO_DEEP);
    }

    #[test]
    fn shell_dollars_stay_and_interpolations_render() {
        let out = render("echo ${HOME} {{ var.port }}\nname={{ deployment.name }}\n").unwrap();
        assert_eq!(out, "echo ${HOME} 5678\nname=d\n");
    }

    #[test]
    fn blocks_keep_or_drop_their_lines() {
        let text = "a\n{{ if contains(var.services, \"n8n\") }}\nn8n\n{{ else }}\nnone\n{{ end }}\n  {{ if contains(var.services, \"ollama\") }}\nollama\n{{ end }}\nz\n";
        assert_eq!(render(text).unwrap(), "a\nn8n\nz\n");
    }

    #[test]
    fn nested_blocks_and_literal_braces() {
        let text = "{{ if var.port == 5678 }}\n{{ if tier.name == \"gpu\" }}\ngpu\n{{ else }}\ncpu {{ \"{{\" }}.Names}}\n{{ end }}\n{{ end }}\n";
        assert_eq!(render(text).unwrap(), "cpu {{.Names}}\n");
    }

    #[test]
    fn dead_blocks_are_gone_before_references_are_checked() {
        let vars = vars();
        let ctx = Context {
            deployment: "d".into(),
            stack: "s".into(),
            tier: "dev".into(),
            region: None,
        };
        let scope = StaticScope {
            vars: &vars,
            ctx: &ctx,
        };
        let parts = fold(
            parse(
                "{{ if tier.name == \"gpu\" }}\n{{ efs_file_system.models.id }}\n{{ end }}\n",
                FileId(0),
            )
            .unwrap(),
            &scope,
        )
        .unwrap();
        let mut refs = 0;
        parts.iter().for_each(|p| p.visit_refs(&mut |_| refs += 1));
        assert_eq!(refs, 0, "{parts:?}");
    }

    #[test]
    fn static_ifs_keep_only_the_branch_taken() {
        let out = render("{{ if(var.port == 5678, \"yes\", efs_file_system.x.id) }}\n").unwrap();
        assert_eq!(out, "yes\n");
        let vars = vars();
        let ctx = Context {
            deployment: "d".into(),
            stack: "s".into(),
            tier: "dev".into(),
            region: None,
        };
        let scope = StaticScope {
            vars: &vars,
            ctx: &ctx,
        };
        let mut ast = parse_bare(
            "if(tier.name == \"gpu\", vpc.a.id, if(vpc.b.id == \"x\", 1, 2))",
            FileId(0),
            0,
        )
        .unwrap();
        fold_ast(&mut ast, &scope).unwrap();
        let mut refs = Vec::new();
        ast.visit_refs(&mut |r| refs.push(format!("{:?}", r.target)));
        // The static `if` is gone with its `vpc.a` branch; the one over a resource stays.
        assert_eq!(refs.len(), 1, "{refs:?}");
        assert!(refs[0].contains("\"b\""), "{refs:?}");
    }

    #[test]
    fn unbalanced_blocks_and_bad_expressions_are_diagnostics() {
        let err = render("{{ if var.port == 1 }}\nx\n").unwrap_err();
        assert!(err.to_string().contains("never closed"), "{err}");
        let err = render("x\n{{ end }}\n").unwrap_err();
        assert!(err.to_string().contains("without an open"), "{err}");
        let err = render("x {{ var.port \n").unwrap_err();
        assert!(err.to_string().contains("never closed"), "{err}");
        let err = render("{{ if var.port }}\nx\n{{ end }}\n").unwrap_err();
        assert!(err.to_string().contains("true or false"), "{err}");
        let err = render("{{ var.nope }}\n").unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
    }
}
