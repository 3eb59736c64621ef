//! Questions strict mode asks moto directly (never through the proxy): describe and list calls
//! in the query protocols, and GETs of EFS's REST API, signed only as far as moto reads a
//! signature (the credential scope names the region and the service).

use super::params::percent_encode;
use super::xml::{self, Element};
use crate::support::moto::http;

/// moto's port and the region of the call being judged.
#[derive(Debug, Clone)]
pub struct Upstream {
    /// moto's port on loopback.
    pub port: u16,
    /// The region the judged call was signed for.
    pub region: String,
}

impl Upstream {
    /// An EC2 query call; `params` are `(key, value)` fields besides `Action` and `Version`.
    pub fn ec2(
        &self,
        action: &str,
        params: &[(impl AsRef<str>, impl AsRef<str>)],
    ) -> Result<Element, String> {
        self.query("ec2", "2016-11-15", action, params)
    }

    /// An IAM query call (IAM is global: moto keeps it under us-east-1).
    pub fn iam(
        &self,
        action: &str,
        params: &[(impl AsRef<str>, impl AsRef<str>)],
    ) -> Result<Element, String> {
        Upstream {
            port: self.port,
            region: "us-east-1".to_string(),
        }
        .query("iam", "2010-05-08", action, params)
    }

    /// An ELBv2 query call.
    pub fn elbv2(
        &self,
        action: &str,
        params: &[(impl AsRef<str>, impl AsRef<str>)],
    ) -> Result<Element, String> {
        self.query("elasticloadbalancing", "2015-12-01", action, params)
    }

    /// A GET of EFS's REST API, answered in JSON.
    pub fn efs_get(&self, path_and_query: &str) -> Result<serde_json::Value, String> {
        let auth = authorization(&self.region, "elasticfilesystem");
        let (status, body) = http(
            self.port,
            "GET",
            path_and_query,
            "",
            &[("Authorization", &auth)],
        )?;
        if status != 200 {
            return Err(format!(
                "efs GET {path_and_query} answered {status}: {body}"
            ));
        }
        serde_json::from_str(&body).map_err(|e| format!("efs GET {path_and_query}: {e}"))
    }

    fn query(
        &self,
        service: &str,
        version: &str,
        action: &str,
        params: &[(impl AsRef<str>, impl AsRef<str>)],
    ) -> Result<Element, String> {
        let mut body = format!("Action={action}&Version={version}");
        for (key, value) in params {
            body.push_str(&format!(
                "&{}={}",
                percent_encode(key.as_ref()),
                percent_encode(value.as_ref())
            ));
        }
        let auth = authorization(&self.region, service);
        let (status, text) = http(
            self.port,
            "POST",
            "/",
            &body,
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
        )?;
        if status != 200 {
            return Err(format!("{service}:{action} answered {status}: {text}"));
        }
        Ok(xml::parse(&text))
    }
}

fn authorization(region: &str, service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=testing/20260101/{region}/{service}/aws4_request, SignedHeaders=host, Signature=0"
    )
}
