//! The live view on a terminal: one spinner line per running resource with its action and
//! elapsed time, finished resources printed above as permanent lines, a footer with the
//! counts, and the summary at the end. Drawn on stderr with indicatif.

use super::line::{self, Counts, Palette};
use crate::engine::{Event, EventSink};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// How often running lines redraw their spinner and elapsed time.
const TICK: Duration = Duration::from_millis(100);

/// The live view (an [`EventSink`]). Cheap to emit into: each event takes one short lock and
/// at most one redraw, which indicatif rate-limits; a single background thread ticks the
/// spinners while something runs.
pub struct LiveView {
    shared: Arc<Shared>,
}

struct Shared {
    multi: MultiProgress,
    palette: Palette,
    view: Mutex<View>,
}

/// What is on screen.
#[derive(Default)]
struct View {
    /// Addresses announced as planned (for the footer's total and the column width).
    planned: BTreeSet<String>,
    /// Widest planned address, so actions line up.
    width: usize,
    /// One line per running step, by address.
    running: BTreeMap<String, Running>,
    /// Steps finished (succeeded or failed).
    finished: usize,
    /// The counts line under the running steps, while something runs.
    footer: Option<ProgressBar>,
    /// When the first step started.
    since: Option<Instant>,
    /// Whether the ticking thread runs.
    ticking: bool,
}

struct Running {
    bar: ProgressBar,
    retry: Arc<Mutex<Retry>>,
}

/// The retry note of a running step: shown while the step waits out its delay, then the
/// attempt number.
#[derive(Default)]
struct Retry {
    note: Option<(String, Instant)>,
    retries: u32,
}

impl Retry {
    /// The note at `now`, if any.
    fn text(&self, now: Instant) -> Option<String> {
        match &self.note {
            Some((note, until)) if now < *until => Some(note.clone()),
            _ if self.retries > 0 => Some(format!("attempt {}", self.retries + 1)),
            _ => None,
        }
    }
}

impl LiveView {
    /// A live view drawing on stderr.
    pub fn new(palette: Palette) -> Self {
        Self::with_target(palette, ProgressDrawTarget::stderr())
    }

    /// A live view drawing on `target` (tests draw on a hidden one).
    fn with_target(palette: Palette, target: ProgressDrawTarget) -> Self {
        LiveView {
            shared: Arc::new(Shared {
                multi: MultiProgress::with_draw_target(target),
                palette,
                view: Mutex::new(View::default()),
            }),
        }
    }
}

impl EventSink for LiveView {
    fn emit(&self, event: &Event) {
        let shared = &self.shared;
        let Ok(mut view) = shared.view.lock() else {
            return;
        };
        match event {
            Event::Planned { address, .. } => {
                view.width = view.width.max(address.chars().count());
                view.planned.insert(address.clone());
            }
            Event::Started { address, action } => {
                shared.start(&mut view, address, action);
                if !view.ticking {
                    view.ticking = true;
                    spawn_ticker(Arc::downgrade(shared));
                }
            }
            Event::Retrying {
                address,
                class,
                code,
                delay_ms,
                ..
            } => {
                if let Some(running) = view.running.get(address) {
                    if let Ok(mut retry) = running.retry.lock() {
                        retry.retries += 1;
                        retry.note = Some((
                            line::retry_note(*class, code.as_deref(), *delay_ms),
                            Instant::now() + Duration::from_millis(*delay_ms),
                        ));
                    }
                    running.bar.tick();
                }
            }
            Event::Succeeded { address, .. } | Event::Failed { address, .. } => {
                if let Some(running) = view.running.remove(address) {
                    shared.multi.remove(&running.bar);
                    view.finished += 1;
                }
                shared.println(event);
                shared.update_footer(&mut view);
            }
            Event::RolledBack { .. }
            | Event::Adopted { .. }
            | Event::Unresolved { .. }
            | Event::Kept { .. } => {
                shared.println(event);
            }
            Event::Summary {
                created,
                updated,
                deleted,
                failed,
                rolled_back,
                interrupted,
                elapsed_ms,
            } => {
                shared.clear(&mut view);
                let counts = Counts {
                    created: *created,
                    updated: *updated,
                    deleted: *deleted,
                    failed: *failed,
                    rolled_back: *rolled_back,
                };
                #[allow(
                    clippy::let_underscore_must_use,
                    reason = "a terminal that went away cannot be told anything"
                )]
                let _ = shared.multi.println(line::summary(
                    counts,
                    *interrupted,
                    *elapsed_ms,
                    shared.palette,
                ));
            }
        }
    }
}

impl Shared {
    /// Add a running line for a step that starts, above the footer.
    fn start(&self, view: &mut View, address: &str, action: &str) {
        if let Some(old) = view.running.remove(address) {
            self.multi.remove(&old.bar);
        }
        let retry = Arc::new(Mutex::new(Retry::default()));
        let bar = ProgressBar::new_spinner()
            .with_style(step_style(self.palette, retry.clone()))
            .with_message(format!(
                "{address:width$} {}",
                line::doing(action),
                width = view.width
            ));
        let bar = match &view.footer {
            Some(footer) => self.multi.insert_before(footer, bar),
            None => self.multi.add(bar),
        };
        bar.tick();
        view.running
            .insert(address.to_string(), Running { bar, retry });
        let since = *view.since.get_or_insert_with(Instant::now);
        if view.footer.is_none() {
            let footer = self
                .multi
                .add(ProgressBar::new_spinner().with_style(footer_style(self.palette, since)));
            view.footer = Some(footer);
        }
        self.update_footer(view);
    }

    /// Refresh the counts; the footer goes away while nothing runs, so that nothing is left
    /// on screen if the run ends without a summary.
    fn update_footer(&self, view: &mut View) {
        if view.running.is_empty() {
            if let Some(footer) = view.footer.take() {
                footer.finish_and_clear();
                self.multi.remove(&footer);
            }
            return;
        }
        let Some(footer) = &view.footer else {
            return;
        };
        let total = view.planned.len().max(view.finished + view.running.len());
        footer.set_message(format!(
            "{} of {total} done, {} running",
            view.finished,
            view.running.len()
        ));
    }

    /// Print the permanent line of an event above the running lines.
    fn println(&self, event: &Event) {
        if let Some(text) = line::finished(event, self.palette) {
            #[allow(
                clippy::let_underscore_must_use,
                reason = "a terminal that went away cannot be told anything"
            )]
            let _ = self.multi.println(text);
        }
    }

    /// Take every running line and the footer off the screen.
    fn clear(&self, view: &mut View) {
        for (_, running) in std::mem::take(&mut view.running) {
            running.bar.finish_and_clear();
            self.multi.remove(&running.bar);
        }
        if let Some(footer) = view.footer.take() {
            footer.finish_and_clear();
            self.multi.remove(&footer);
        }
    }

    /// Advance every spinner and elapsed time; false once nothing runs.
    fn tick(&self) -> bool {
        let Ok(mut view) = self.view.lock() else {
            return false;
        };
        for running in view.running.values() {
            running.bar.tick();
        }
        if let Some(footer) = &view.footer {
            footer.tick();
        }
        if view.running.is_empty() {
            view.ticking = false;
            return false;
        }
        true
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Ok(view) = self.view.get_mut() {
            let mut view = std::mem::take(view);
            self.clear(&mut view);
        }
    }
}

/// One thread ticks all running lines (indicatif's steady tick would start one per line); it
/// ends when nothing runs or the view is gone.
fn spawn_ticker(shared: Weak<Shared>) {
    let spawned = std::thread::Builder::new()
        .name("strata-progress".into())
        .spawn(move || loop {
            std::thread::sleep(TICK);
            match shared.upgrade() {
                Some(shared) if shared.tick() => {}
                _ => break,
            }
        });
    // Without the thread the view still updates on every event, only less smoothly.
    drop(spawned);
}

/// `⠋ vpc.main      creating 1.2s retrying (throttling, 0.8s)`.
fn step_style(palette: Palette, retry: Arc<Mutex<Retry>>) -> ProgressStyle {
    let template = if palette.color {
        "{spinner:.cyan} {msg} {secs:.dim} {note}"
    } else {
        "{spinner} {msg} {secs} {note}"
    };
    let note = move |_: &ProgressState, w: &mut dyn std::fmt::Write| {
        if let Some(text) = retry.lock().ok().and_then(|r| r.text(Instant::now())) {
            #[allow(
                clippy::let_underscore_must_use,
                reason = "writing into the progress line buffer cannot fail"
            )]
            let _ = w.write_str(&palette.yellow(&text));
        }
    };
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
        .with_key(
            "secs",
            |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                #[allow(
                    clippy::let_underscore_must_use,
                    reason = "writing into the progress line buffer cannot fail"
                )]
                let _ = write!(w, "{:.1}s", state.elapsed().as_secs_f64());
            },
        )
        .with_key("note", note)
}

/// `⠋ 3 of 12 done, 2 running 4.2s`: time since the first step started.
fn footer_style(palette: Palette, since: Instant) -> ProgressStyle {
    let template = if palette.color {
        "{spinner:.dim} {msg:.dim} {total:.dim}"
    } else {
        "{spinner} {msg} {total}"
    };
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
        .with_key(
            "total",
            move |_: &ProgressState, w: &mut dyn std::fmt::Write| {
                #[allow(
                    clippy::let_underscore_must_use,
                    reason = "writing into the progress line buffer cannot fail"
                )]
                let _ = write!(w, "{:.1}s", since.elapsed().as_secs_f64());
            },
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ErrorClass;

    fn hidden() -> LiveView {
        LiveView::with_target(Palette { color: false }, ProgressDrawTarget::hidden())
    }

    fn started(address: &str) -> Event {
        Event::Started {
            address: address.into(),
            action: "create".into(),
        }
    }

    fn succeeded(address: &str) -> Event {
        Event::Succeeded {
            address: address.into(),
            action: "create".into(),
            id: Some("x-1".into()),
            elapsed_ms: 10,
        }
    }

    fn view(live: &LiveView) -> std::sync::MutexGuard<'_, View> {
        live.shared.view.lock().unwrap()
    }

    #[test]
    fn a_line_runs_per_started_step_until_it_ends() {
        let live = hidden();
        for a in ["vpc.main", "subnet.a", "subnet.b"] {
            live.emit(&Event::Planned {
                address: a.into(),
                action: "create".into(),
            });
        }
        live.emit(&started("vpc.main"));
        live.emit(&started("subnet.a"));
        {
            let v = view(&live);
            assert_eq!(v.running.len(), 2);
            assert!(v.footer.is_some());
            assert_eq!(v.width, "subnet.a".len());
        }
        live.emit(&succeeded("vpc.main"));
        {
            let v = view(&live);
            assert_eq!(
                v.running.keys().collect::<Vec<_>>(),
                vec![&"subnet.a".to_string()]
            );
            assert_eq!(v.finished, 1);
        }
        live.emit(&Event::Failed {
            address: "subnet.a".into(),
            action: "create".into(),
            code: "strata::aws::other".into(),
            message: "no".into(),
        });
        let v = view(&live);
        assert!(v.running.is_empty());
        assert!(v.footer.is_none(), "the footer leaves with the last step");
        assert_eq!(v.finished, 2);
    }

    #[test]
    fn a_retry_shows_its_note_during_the_delay_then_the_attempt() {
        let live = hidden();
        live.emit(&started("vpc.main"));
        live.emit(&Event::Retrying {
            address: "vpc.main".into(),
            action: "create".into(),
            class: ErrorClass::Throttling,
            code: None,
            delay_ms: 60_000,
        });
        let retry = view(&live).running["vpc.main"].retry.clone();
        let r = retry.lock().unwrap();
        let now = Instant::now();
        assert_eq!(r.text(now).as_deref(), Some("retrying (throttling, 60.0s)"));
        assert_eq!(
            r.text(now + Duration::from_secs(61)).as_deref(),
            Some("attempt 2"),
            "after the delay the line says which attempt runs"
        );
        assert_eq!(Retry::default().text(now), None);
    }

    #[test]
    fn the_summary_takes_everything_off_the_screen() {
        let live = hidden();
        live.emit(&started("vpc.main"));
        live.emit(&Event::Summary {
            created: 0,
            updated: 0,
            deleted: 0,
            failed: 0,
            rolled_back: 0,
            interrupted: true,
            elapsed_ms: 5,
        });
        let v = view(&live);
        assert!(v.running.is_empty());
        assert!(v.footer.is_none());
    }
}
