//! A template that interpolates a sensitive variable, or keeps a block by a condition over
//! one, renders to a sensitive value: no plan output prints the secret, or what it chose.

use crate::support::project::stack_project;
use crate::support::strata;
use std::fs;

const STACK: &str = r#"[stack]
name = "sec"
region = "us-east-1"

[vars]
db_password = { default = "s3cr3t-value", sensitive = true }

[resource.instance.host]
ami = "ami-12345678"
user_data = '${template("boot.sh.tpl")}'

[output]
chosen = '${template("choice.tpl")}'
"#;

#[test]
fn a_template_rendering_a_secret_is_sensitive_in_every_plan_output() {
    let project = stack_project("sec", STACK);
    let write = |name: &str, text: &str| {
        fs::write(project.path().join("stacks").join(name), text).expect("template")
    };
    write(
        "boot.sh.tpl",
        "#!/bin/sh\nexport PGPASSWORD='{{ var.db_password }}'\n",
    );
    write(
        "choice.tpl",
        "{{ if var.db_password == \"s3cr3t-value\" }}\nguessed-right\n{{ else }}\nguessed-wrong\n{{ end }}\n",
    );
    for format in ["text", "markdown", "json"] {
        let run = strata(project.path())
            .env("NO_COLOR", "1")
            .args(["plan", "--tier", "dev", "--refresh=false", "-o", format])
            .run()
            .expect_code(0);
        for leak in ["s3cr3t-value", "PGPASSWORD", "guessed-right"] {
            assert!(
                !run.stdout.contains(leak) && !run.stderr.contains(leak),
                "{format}: `{leak}` shown\n{}{}",
                run.stdout,
                run.stderr
            );
        }
        assert!(run.stdout.contains("sensitive"), "{format}: {}", run.stdout);
    }
}
