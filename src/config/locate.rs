//! Finding stack and tier files from names given on the command line or in a tier.

use std::path::{Component, Path, PathBuf};

/// Whether the user wrote a path rather than a name.
pub fn looks_like_path(s: &str) -> bool {
    s.contains('/') || s.contains('\\') || s.ends_with(".toml")
}

/// Where a tier name points: `PROJECT/tiers/NAME.toml`, or the path itself.
pub fn tier_path(project_dir: &Path, tier: &str) -> PathBuf {
    if looks_like_path(tier) {
        PathBuf::from(tier)
    } else {
        normalize(&project_dir.join("tiers").join(format!("{tier}.toml")))
    }
}

/// Where a `--stack` name points: `PROJECT/stacks/NAME.toml`, or the path itself.
pub fn stack_path(project_dir: &Path, stack: &str) -> PathBuf {
    if looks_like_path(stack) {
        PathBuf::from(stack)
    } else {
        normalize(&project_dir.join("stacks").join(format!("{stack}.toml")))
    }
}

/// Candidates for a tier's `stack = "..."`: a path relative to the tier file, or a name looked
/// up in the `stacks/` folder beside the tier's folder, then in the project's `stacks/`.
pub fn stack_candidates(project_dir: &Path, tier_file: &Path, stack: &str) -> Vec<PathBuf> {
    let tier_dir = tier_file.parent().unwrap_or(Path::new(""));
    if looks_like_path(stack) {
        return vec![normalize(&tier_dir.join(stack))];
    }
    let file = format!("{stack}.toml");
    let mut out = vec![normalize(&tier_dir.join("..").join("stacks").join(&file))];
    let in_project = normalize(&project_dir.join("stacks").join(&file));
    if !out.contains(&in_project) {
        out.push(in_project);
    }
    out
}

/// Names of the `*.toml` files in a folder, sorted (for "available: ..." help lines).
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".toml").map(str::to_string)
        })
        .collect();
    names.sort();
    names
}

/// Lexically clean a path (`a/b/../c` → `a/c`, drop `.`), keeping it relative when it was, so
/// that messages and saved plans show short, stable paths.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) => {}
                _ => out.push(c),
            },
            other => out.push(other),
        }
    }
    let p: PathBuf = out.iter().collect();
    if p.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_names_and_paths() {
        assert_eq!(
            tier_path(Path::new("."), "dev"),
            PathBuf::from("tiers/dev.toml")
        );
        assert_eq!(
            tier_path(Path::new("."), "x/dev.toml"),
            PathBuf::from("x/dev.toml")
        );
        assert_eq!(
            stack_candidates(Path::new("."), Path::new("tiers/dev.toml"), "ai-stack"),
            vec![PathBuf::from("stacks/ai-stack.toml")]
        );
        assert_eq!(
            stack_candidates(Path::new("."), Path::new("fx/t/tier.toml"), "s.toml"),
            vec![PathBuf::from("fx/t/s.toml")]
        );
    }
}
