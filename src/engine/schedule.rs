//! The scheduler: each node starts the moment everything it waits for is done, up to a bound
//! on how many run at once. Nothing new starts after a failure or a Ctrl-C; running steps
//! finish.

use super::step::{Done, Step};
use crate::address::Address;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};

/// Run `nodes` (each with the nodes it waits for). `start` builds a node's step (or fails it),
/// `finish` records a step's result and says whether it succeeded. Returns the nodes never
/// started.
pub async fn run(
    mut waiting: BTreeMap<Address, BTreeSet<Address>>,
    parallelism: usize,
    cancel: &AtomicBool,
    start: &mut dyn FnMut(&Address) -> Option<Step>,
    finish: &mut dyn FnMut(Done) -> bool,
) -> Vec<Address> {
    let mut running = tokio::task::JoinSet::new();
    let mut stop = false;
    loop {
        if !stop && !cancel.load(Ordering::SeqCst) {
            let ready: Vec<Address> = waiting
                .iter()
                .filter(|(_, deps)| deps.is_empty())
                .map(|(a, _)| a.clone())
                .collect();
            for address in ready {
                if running.len() >= parallelism.max(1) {
                    break;
                }
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
        match running.join_next().await {
            None => break,
            Some(Ok(done)) => {
                let address = done.address.clone();
                if finish(done) {
                    for deps in waiting.values_mut() {
                        deps.remove(&address);
                    }
                } else {
                    stop = true;
                }
            }
            Some(Err(_)) => stop = true,
        }
    }
    waiting.into_keys().collect()
}
