//! EC2 takes 16 KiB of user data. A rendered script over that is sent gzip-compressed when
//! that fits (the plan says so), and refused at `validate`/`plan` when even compressed it does
//! not; the next plan after applying a compressed script is empty.

use crate::support::fixtures::AMI_PARAMETER;
use crate::support::moto::moto;
use crate::support::project::stack_project;
use crate::support::strata;
use std::fs;

fn stack() -> String {
    format!(
        r#"[stack]
name = "ud"
region = "us-east-1"

[resource.vpc.main]
cidr_block = "10.73.0.0/16"

[resource.subnet.a]
vpc_id = "${{vpc.main.id}}"
cidr_block = "10.73.1.0/24"

[resource.instance.host]
ami_ssm_parameter = "{AMI_PARAMETER}"
instance_type = "t3.micro"
subnet_id = "${{subnet.a.id}}"
user_data = '${{template("boot.sh.tpl")}}'
"#
    )
}

/// Comment lines of printable noise without braces: 92 symbols a byte, which gzip cannot
/// bring much below 80%.
fn noise(bytes: usize) -> String {
    let alphabet: Vec<char> = ('!'..='~').filter(|c| *c != '{' && *c != '}').collect();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut out = String::new();
    while out.len() < bytes {
        out.push_str("# ");
        for _ in 0..76 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            out.push(alphabet[(x % alphabet.len() as u64) as usize]);
        }
        out.push('\n');
    }
    out
}

#[test]
fn an_incompressible_script_over_16_kib_fails_validate_and_plan() {
    let project = stack_project("ud", &stack());
    let script = format!("#!/bin/sh\n{}", noise(24 * 1024));
    fs::write(project.path().join("stacks/boot.sh.tpl"), &script).expect("template");
    for args in [
        &["validate", "--tier", "dev"][..],
        &["plan", "--tier", "dev", "--refresh=false"],
    ] {
        let run = strata(project.path()).env("NO_COLOR", "1").args(args).run();
        assert_eq!(run.code, 1, "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains("strata::config::too_large"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains(&format!("{} bytes", script.len())),
            "{args:?}: the size is shown: {}",
            run.stderr
        );
        assert!(run.stderr.contains("ud.toml"), "{args:?}: {}", run.stderr);
    }
}

#[tokio::test]
async fn a_compressible_script_over_16_kib_is_sent_gzipped_and_plans_clean_afterwards() {
    let moto = moto();
    let project = stack_project("ud", &stack());
    let state = tempfile::tempdir().expect("state");
    let template = project.path().join("stacks/boot.sh.tpl");
    let mut script = String::from("#!/bin/sh\n# deployment {{ deployment.name }}\n");
    for i in 0..2000 {
        script.push_str(&format!("echo \"step {i} of the boot script\"\n"));
    }
    assert!(script.len() > 16 * 1024, "{}", script.len());
    fs::write(&template, &script).expect("template");
    let run = |args: &[&str]| {
        strata(project.path())
            .env("AWS_ENDPOINT_URL", &moto.endpoint)
            .env("NO_COLOR", "1")
            .args(args)
            .state_dir(state.path())
            .run()
    };

    let plan = run(&["plan", "--tier", "dev"]).expect_code(0);
    let rendered = script.replace("{{ deployment.name }}", "ud-dev");
    let note = format!(
        "`user_data` is sent gzip-compressed ({} bytes of text, over the 16384 accepted)",
        rendered.len()
    );
    assert!(plan.stdout.contains(&note), "{}", plan.stdout);
    run(&["apply", "--tier", "dev", "--yes"]).expect_code(0);
    run(&["plan", "--tier", "dev", "--detailed-exitcode"]).expect_code(0);

    // Behind strata's back: EC2 holds the gzip of the rendered script.
    let ec2 = moto.ec2();
    let described = ec2
        .describe_instances()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("tag:strata:address")
                .values("instance.host")
                .build(),
        )
        .send()
        .await
        .expect("describe");
    let id = described.reservations()[0].instances()[0]
        .instance_id()
        .expect("id")
        .to_string();
    let attribute = ec2
        .describe_instance_attribute()
        .instance_id(&id)
        .attribute(aws_sdk_ec2::types::InstanceAttributeName::UserData)
        .send()
        .await
        .expect("user data");
    let encoded = attribute
        .user_data()
        .and_then(|u| u.value())
        .expect("user data value");
    let sent = aws_smithy_types::base64::decode(encoded).expect("base64");
    assert!(sent.starts_with(&[0x1f, 0x8b]), "gzip magic");
    assert!(sent.len() <= 16 * 1024, "{}", sent.len());
    assert_eq!(
        strata::provider::size_limit::decode(&sent).expect("gunzip"),
        rendered
    );

    // A script that names a resource is known only once the state has it: then the plan,
    // not the loader, refuses it.
    fs::write(
        &template,
        format!(
            "#!/bin/sh\n# subnet {{{{ subnet.a.id }}}}\n{}",
            noise(24 * 1024)
        ),
    )
    .expect("template");
    strata(project.path())
        .args(["validate", "--tier", "dev"])
        .run()
        .expect_code(0);
    let refused = run(&["plan", "--tier", "dev"]).expect_code(1);
    assert!(
        refused.stderr.contains("strata::plan::too_large"),
        "{}",
        refused.stderr
    );
}
