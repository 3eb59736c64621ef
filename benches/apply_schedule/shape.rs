//! The generated graph: `chains` chains of `depth` resources, each resource of a chain waiting
//! for the one before it (and, with `cross`, for the one before it in the next chain), and
//! `fanout` leaves under every chain resource. Dependencies are real references
//! (`parents = ["${bench_node.X.id}"]`), so ids flow from one resource to the next as in a
//! real apply.

use std::fmt::Write;

/// The shape of the graph.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Independent chains.
    pub chains: usize,
    /// Resources per chain.
    pub depth: usize,
    /// Leaves under each chain resource.
    pub fanout: usize,
    /// Chains also wait for their neighbour's previous level.
    pub cross: bool,
}

impl Shape {
    /// How many resources the stack declares.
    pub fn resources(&self) -> usize {
        self.chains * self.depth * (1 + self.fanout)
    }

    /// The stack file.
    pub fn stack_toml(&self) -> String {
        let mut out = String::from(
            "[stack]\nname = \"apply-bench\"\ndescription = \"generated for benches/apply_schedule.rs\"\n",
        );
        for level in 0..self.depth {
            for chain in 0..self.chains {
                let mut parents = Vec::new();
                if level > 0 {
                    parents.push(chain_node(chain, level - 1));
                    let next = (chain + 1) % self.chains;
                    if self.cross && next != chain {
                        parents.push(chain_node(next, level - 1));
                    }
                }
                resource(&mut out, &chain_node(chain, level), &parents);
                for leaf in 0..self.fanout {
                    let name = format!("{}_f{leaf}", chain_node(chain, level));
                    resource(&mut out, &name, &[chain_node(chain, level)]);
                }
            }
        }
        out
    }
}

fn chain_node(chain: usize, level: usize) -> String {
    format!("c{chain}_l{level}")
}

fn resource(out: &mut String, name: &str, parents: &[String]) {
    let refs: Vec<String> = parents
        .iter()
        .map(|p| format!("\"${{bench_node.{p}.id}}\""))
        .collect();
    #[allow(
        clippy::let_underscore_must_use,
        reason = "writing into a String cannot fail"
    )]
    let _ = write!(
        out,
        "\n[resource.bench_node.{name}]\nlabel = \"{name}\"\nparents = [{}]\n",
        refs.join(", ")
    );
}
