//! The scheduler: each node starts the moment everything it waits for is done, up to a bound
//! on how many run at once, the longest remaining chain first. Nothing new starts after a
//! failure or a Ctrl-C; running steps finish.
//!
//! Steps that end together are recorded as one batch: `finish` records each in memory, then
//! one `flush` saves the state and commits the journal for all of them (a group commit), and
//! only then may their dependents start. Saving once per batch instead of once per resource
//! keeps the state write (several fsyncs) from serialising a wide apply.

use super::step::{Done, Step};
use crate::address::Address;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};

/// Run `nodes` (each with the nodes it waits for). `start` builds a node's step (or fails it);
/// `finish` records a step's result in memory and says whether it succeeded; `flush` makes
/// the recorded results durable and says whether that worked. Returns the nodes never started.
pub async fn run(
    mut waiting: BTreeMap<Address, BTreeSet<Address>>,
    parallelism: usize,
    cancel: &AtomicBool,
    start: &mut dyn FnMut(&Address) -> Option<Step>,
    finish: &mut dyn FnMut(Done) -> bool,
    flush: &mut dyn FnMut() -> bool,
) -> Vec<Address> {
    let height = chain_heights(&waiting);
    let mut running = tokio::task::JoinSet::new();
    let mut stop = false;
    loop {
        if !stop && !cancel.load(Ordering::SeqCst) {
            let mut ready: Vec<&Address> = waiting
                .iter()
                .filter(|(_, deps)| deps.is_empty())
                .map(|(a, _)| a)
                .collect();
            // Longest chain of waiting nodes behind it first: no schedule can finish before
            // that chain does, so it should never wait for a free slot.
            ready.sort_by_key(|a| (Reverse(height.get(*a).copied().unwrap_or(0)), *a));
            let free = parallelism.max(1).saturating_sub(running.len());
            let chosen: Vec<Address> = ready.into_iter().take(free).cloned().collect();
            for address in chosen {
                waiting.remove(&address);
                match start(&address) {
                    Some(step) => {
                        running.spawn(step.run());
                    }
                    None => {
                        stop = true;
                        break;
                    }
                }
            }
        }
        let Some(first) = running.join_next().await else {
            break;
        };
        let mut batch = vec![first];
        while let Some(more) = running.try_join_next() {
            batch.push(more);
        }
        let mut succeeded = Vec::new();
        for joined in batch {
            match joined {
                Ok(done) => {
                    let address = done.address.clone();
                    if finish(done) {
                        succeeded.push(address);
                    } else {
                        stop = true;
                    }
                }
                Err(_) => stop = true,
            }
        }
        if !flush() {
            stop = true;
            continue;
        }
        for address in &succeeded {
            for deps in waiting.values_mut() {
                deps.remove(address);
            }
        }
    }
    waiting.into_keys().collect()
}

/// For every node, the number of nodes on the longest chain that starts at it and runs
/// through the nodes waiting for it (1 for a node nothing waits for).
fn chain_heights(waiting: &BTreeMap<Address, BTreeSet<Address>>) -> BTreeMap<Address, usize> {
    let mut dependents: BTreeMap<&Address, usize> = waiting.keys().map(|a| (a, 0)).collect();
    for deps in waiting.values() {
        for d in deps {
            if let Some(n) = dependents.get_mut(d) {
                *n += 1;
            }
        }
    }
    let mut height: BTreeMap<Address, usize> = BTreeMap::new();
    let mut settled: Vec<&Address> = dependents
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(a, _)| *a)
        .collect();
    while let Some(node) = settled.pop() {
        let h = *height.entry(node.clone()).or_insert(1);
        for d in waiting.get(node).into_iter().flatten() {
            let Some(n) = dependents.get_mut(d) else {
                continue;
            };
            let hd = height.entry(d.clone()).or_insert(1);
            *hd = (*hd).max(h + 1);
            *n -= 1;
            if *n == 0 {
                settled.push(d);
            }
        }
    }
    height
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(name: &str) -> Address {
        Address {
            kind: "bench_node".into(),
            name: name.into(),
        }
    }

    fn waits(edges: &[(&str, &[&str])]) -> BTreeMap<Address, BTreeSet<Address>> {
        edges
            .iter()
            .map(|(n, deps)| (a(n), deps.iter().map(|d| a(d)).collect()))
            .collect()
    }

    #[test]
    fn heights_count_the_longest_chain_of_waiting_nodes() {
        // z <- y <- x, and w <- x: z heads the longest chain (3 nodes).
        let h = chain_heights(&waits(&[
            ("z", &[]),
            ("y", &["z"]),
            ("x", &["y", "w"]),
            ("w", &[]),
            ("lone", &[]),
        ]));
        assert_eq!(h[&a("z")], 3);
        assert_eq!(h[&a("y")], 2);
        assert_eq!(h[&a("w")], 2);
        assert_eq!(h[&a("x")], 1);
        assert_eq!(h[&a("lone")], 1);
    }
}
