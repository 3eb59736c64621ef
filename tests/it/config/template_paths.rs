//! `template()` reads only regular files inside the stack's own folder, of bounded size: a
//! plan shows what a template renders, in a pull request too, so a path that leaves the
//! project (`..`, an absolute path, a symlink) or names a device is a diagnostic, not a read.

use crate::support::project::stack_project;
use crate::support::strata;

fn stack_with(template: &str) -> String {
    format!(
        "[stack]\nname = \"tpl\"\nregion = \"us-east-1\"\n\n[resource.vpc.main]\ncidr_block = \"10.9.0.0/16\"\n\n[output]\nshown = '${{template(\"{template}\")}}'\n"
    )
}

fn validate(project: &std::path::Path) -> crate::support::Run {
    strata(project)
        .env("NO_COLOR", "1")
        .args(["validate", "--tier", "dev"])
        .run()
}

#[test]
fn paths_outside_the_stack_folder_and_devices_are_refused_with_the_span_of_the_call() {
    for path in ["../../../../../../etc/passwd", "/etc/passwd", "/dev/zero"] {
        let project = stack_project("tpl", &stack_with(path));
        let run = validate(project.path());
        assert_eq!(run.code, 1, "{path}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains("strata::config::template_path"),
            "{path}: {}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("root:"),
            "{path} was read: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("tpl.toml"),
            "{path}: the span names the file: {}",
            run.stderr
        );
    }
}

#[test]
fn a_symlink_out_of_the_folder_a_directory_and_a_huge_file_are_refused() {
    let project = stack_project("tpl", &stack_with("link.tpl"));
    std::os::unix::fs::symlink("/etc/passwd", project.path().join("stacks/link.tpl"))
        .expect("symlink");
    let run = validate(project.path());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("leads outside"), "{}", run.stderr);

    let project = stack_project("tpl", &stack_with("folder"));
    std::fs::create_dir_all(project.path().join("stacks/folder")).expect("dir");
    let run = validate(project.path());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);

    let project = stack_project("tpl", &stack_with("huge.tpl"));
    std::fs::write(
        project.path().join("stacks/huge.tpl"),
        vec![b'x'; 300 * 1024],
    )
    .expect("file");
    let run = validate(project.path());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("more than the"), "{}", run.stderr);
}

#[test]
fn a_template_inside_the_folder_still_renders() {
    let project = stack_project("tpl", &stack_with("parts/ok.tpl"));
    std::fs::create_dir_all(project.path().join("stacks/parts")).expect("dir");
    std::fs::write(project.path().join("stacks/parts/ok.tpl"), "hello").expect("file");
    let run = validate(project.path());
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}
