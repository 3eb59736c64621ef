//! `instance_requirements`: minimums a host's type must meet, and the cheapest type meeting
//! them.

use super::TypeFacts;
use crate::value::Value;
use serde::Serialize;

/// What a host needs instead of a named type: minimums, and an exact architecture.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Requirements {
    /// At least this many vCPUs.
    pub vcpus: Option<u32>,
    /// At least this much memory, GiB.
    pub memory_gib: Option<f64>,
    /// At least this many GPUs.
    pub gpus: Option<u32>,
    /// At least this much GPU memory in total, GiB.
    pub gpu_memory_gib: Option<f64>,
    /// Exactly this architecture (`x86_64`, `arm64`).
    pub arch: Option<String>,
}

/// The fields of an `instance_requirements` table.
pub const FIELDS: &[&str] = &["vcpus", "memory_gib", "gpus", "gpu_memory_gib", "arch"];

const MIB_PER_GIB: f64 = 1024.0;

impl Requirements {
    /// Read an evaluated `instance_requirements` table.
    pub fn from_value(value: &Value) -> Result<Requirements, String> {
        let Value::Map(map) = value else {
            return Err(format!(
                "`instance_requirements` must be a table, not {}",
                value.type_name()
            ));
        };
        if let Some(other) = map.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(format!(
                "`instance_requirements` has no field `{other}` (fields: {})",
                FIELDS.join(", ")
            ));
        }
        let count = |name: &str| -> Result<Option<u32>, String> {
            match map.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Int(n)) => u32::try_from(*n)
                    .map(Some)
                    .map_err(|_| format!("`{name}` must be a whole number from 0, not {n}")),
                Some(v) => Err(format!(
                    "`{name}` must be a whole number, not {}",
                    v.type_name()
                )),
            }
        };
        let amount = |name: &str| -> Result<Option<f64>, String> {
            match map.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Int(n)) if *n >= 0 => Ok(Some(*n as f64)),
                Some(Value::Float(f)) if *f >= 0.0 && f.is_finite() => Ok(Some(*f)),
                Some(v) => Err(format!(
                    "`{name}` must be a number of GiB from 0, not {}",
                    v.render_inline()
                )),
            }
        };
        let arch = match map.get("arch") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(v) => return Err(format!("`arch` must be a string, not {}", v.type_name())),
        };
        Ok(Requirements {
            vcpus: count("vcpus")?,
            memory_gib: amount("memory_gib")?,
            gpus: count("gpus")?,
            gpu_memory_gib: amount("gpu_memory_gib")?,
            arch,
        })
    }

    /// Whether `facts` meets every requirement.
    pub fn met_by(&self, facts: &TypeFacts) -> bool {
        self.vcpus.is_none_or(|n| facts.vcpus >= n)
            && self
                .memory_gib
                .is_none_or(|g| facts.memory_mib as f64 >= g * MIB_PER_GIB)
            && self.gpus.is_none_or(|n| facts.gpus >= n)
            && self
                .gpu_memory_gib
                .is_none_or(|g| facts.gpu_memory_mib as f64 >= g * MIB_PER_GIB)
            && self
                .arch
                .as_ref()
                .is_none_or(|a| facts.architectures.iter().any(|f| f == a))
    }

    /// The requirements as people read them: `≥4 vCPUs, ≥16 GiB, ≥1 GPU, x86_64`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(n) = self.vcpus {
            parts.push(format!(">={n} vCPUs"));
        }
        if let Some(g) = self.memory_gib {
            parts.push(format!(">={g} GiB memory"));
        }
        if let Some(n) = self.gpus {
            parts.push(format!(">={n} GPUs"));
        }
        if let Some(g) = self.gpu_memory_gib {
            parts.push(format!(">={g} GiB GPU memory"));
        }
        if let Some(a) = &self.arch {
            parts.push(a.clone());
        }
        if parts.is_empty() {
            "no requirements".into()
        } else {
            parts.join(", ")
        }
    }
}

/// Which price a choice compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// The latest spot price of the cheapest offering zone (spot hosts).
    Spot,
    /// The catalog's on-demand price (on-demand hosts).
    OnDemand,
}

/// One priced type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// Instance type.
    pub instance_type: String,
    /// US dollars per hour on the basis compared.
    pub usd_hour: f64,
    /// The zone of that price (spot), if any.
    pub zone: Option<String>,
}

/// The cheapest type meeting requirements, and the next cheapest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cheapest {
    /// Which price was compared.
    pub basis: Basis,
    /// The choice.
    pub choice: Candidate,
    /// The next cheapest, when there is one.
    pub runner_up: Option<Candidate>,
    /// How many types met the requirements and had a price.
    pub considered: usize,
}

/// The price of a type on the basis compared, and the zone of that price; `None`: no price.
pub type Pricer<'a> = dyn Fn(&TypeFacts) -> Option<(f64, Option<String>)> + 'a;

/// The cheapest of `types` meeting `req` and purchasable on `basis`, priced by `price`
/// (`None`: no price, not considered); ties go to the first name.
pub fn cheapest_type(
    req: &Requirements,
    types: &[TypeFacts],
    basis: Basis,
    price: &Pricer<'_>,
) -> Option<Cheapest> {
    let mut priced: Vec<Candidate> = types
        .iter()
        .filter(|t| req.met_by(t))
        .filter(|t| match basis {
            Basis::Spot => t.spot,
            Basis::OnDemand => t.on_demand,
        })
        .filter_map(|t| {
            price(t).map(|(usd_hour, zone)| Candidate {
                instance_type: t.name.clone(),
                usd_hour,
                zone,
            })
        })
        .collect();
    priced.sort_by(|a, b| {
        a.usd_hour
            .total_cmp(&b.usd_hour)
            .then_with(|| a.instance_type.cmp(&b.instance_type))
    });
    let considered = priced.len();
    let mut ranked = priced.into_iter();
    let choice = ranked.next()?;
    Some(Cheapest {
        basis,
        choice,
        runner_up: ranked.next(),
        considered,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn facts(
        name: &str,
        vcpus: u32,
        mem_gib: u64,
        gpus: u32,
        gpu_gib: u64,
        arch: &str,
    ) -> TypeFacts {
        TypeFacts {
            name: name.into(),
            vcpus,
            memory_mib: mem_gib * 1024,
            gpus,
            gpu_memory_mib: gpu_gib * 1024,
            architectures: vec![arch.into()],
            spot: true,
            on_demand: true,
        }
    }

    fn gpu_req() -> Requirements {
        Requirements {
            vcpus: Some(4),
            memory_gib: Some(16.0),
            gpus: Some(1),
            gpu_memory_gib: Some(16.0),
            arch: Some("x86_64".into()),
        }
    }

    #[test]
    fn every_minimum_and_the_architecture_must_be_met() {
        let req = gpu_req();
        assert!(req.met_by(&facts("g4dn.xlarge", 4, 16, 1, 16, "x86_64")));
        assert!(!req.met_by(&facts("a", 2, 16, 1, 16, "x86_64")));
        assert!(!req.met_by(&facts("b", 4, 15, 1, 16, "x86_64")));
        assert!(!req.met_by(&facts("c", 4, 16, 0, 0, "x86_64")));
        assert!(!req.met_by(&facts("d", 4, 16, 1, 8, "x86_64")));
        assert!(!req.met_by(&facts("e", 4, 16, 1, 16, "arm64")));
        assert!(Requirements::default().met_by(&facts("f", 1, 1, 0, 0, "arm64")));
    }

    #[test]
    fn the_cheapest_meeting_type_wins_with_the_runner_up_and_ties_go_by_name() {
        let types = [
            facts("g5.xlarge", 4, 16, 1, 24, "x86_64"),
            facts("g4dn.xlarge", 4, 16, 1, 16, "x86_64"),
            facts("g6.xlarge", 4, 16, 1, 24, "x86_64"),
            // Cheapest, but without a GPU.
            facts("t3.xlarge", 4, 16, 0, 0, "x86_64"),
        ];
        let prices: BTreeMap<&str, f64> = [
            ("g5.xlarge", 0.40),
            ("g4dn.xlarge", 0.30),
            ("g6.xlarge", 0.30),
            ("t3.xlarge", 0.05),
        ]
        .into();
        let price = |t: &TypeFacts| prices.get(t.name.as_str()).map(|p| (*p, None));
        let got = cheapest_type(&gpu_req(), &types, Basis::Spot, &price).expect("a type");
        assert_eq!(got.choice.instance_type, "g4dn.xlarge");
        assert_eq!(
            got.runner_up.map(|c| c.instance_type).as_deref(),
            Some("g6.xlarge")
        );
        assert_eq!(got.considered, 3);
    }

    #[test]
    fn types_without_a_price_or_the_purchase_option_are_not_considered() {
        let mut no_spot = facts("g5.xlarge", 4, 16, 1, 24, "x86_64");
        no_spot.spot = false;
        let types = [no_spot, facts("g6.xlarge", 4, 16, 1, 24, "x86_64")];
        let cheap_g5 = |t: &TypeFacts| (t.name == "g5.xlarge").then_some((0.01, None));
        assert_eq!(
            cheapest_type(&gpu_req(), &types, Basis::Spot, &cheap_g5),
            None
        );
        let got = cheapest_type(&gpu_req(), &types, Basis::OnDemand, &cheap_g5).expect("g5");
        assert_eq!(got.choice.instance_type, "g5.xlarge");
        assert_eq!(got.runner_up, None);
    }

    #[test]
    fn requirements_are_read_from_a_table_and_wrong_fields_refused() {
        let table = |pairs: &[(&str, Value)]| {
            Value::Map(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
            )
        };
        let req = Requirements::from_value(&table(&[
            ("vcpus", Value::Int(4)),
            ("memory_gib", Value::Int(16)),
            ("gpu_memory_gib", Value::Float(15.5)),
            ("arch", Value::str("x86_64")),
        ]))
        .expect("valid");
        assert_eq!(req.vcpus, Some(4));
        assert_eq!(req.memory_gib, Some(16.0));
        assert_eq!(req.gpus, None);
        assert_eq!(req.gpu_memory_gib, Some(15.5));
        assert!(Requirements::from_value(&table(&[("cpus", Value::Int(4))])).is_err());
        assert!(Requirements::from_value(&table(&[("vcpus", Value::Int(-1))])).is_err());
        assert!(Requirements::from_value(&Value::str("big")).is_err());
    }
}
