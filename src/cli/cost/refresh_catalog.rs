//! `strata cost refresh-catalog --from DIR [--out FILE] [--date YYYY-MM-DD]`: rebuild the price
//! catalog from AWS Price List files and print it or write it.

use crate::cli::args::RefreshCatalogArgs;
use crate::cli::error::CliError;
use crate::cli::exit::ExitStatus;
use crate::cli::target;
use crate::cli::ui::Ui;
use crate::cost::price_list::{self, PriceListError};

/// Run `strata cost refresh-catalog`.
pub fn run(ui: &Ui, args: &RefreshCatalogArgs) -> ExitStatus {
    let date = match date_of(args.date.as_deref()) {
        Ok(d) => d,
        Err(e) => return target::fail(ui, &e),
    };
    let from = &args.from;
    let rebuilt = match price_list::rebuild(from, &date) {
        Ok(r) => r,
        Err(e) => return target::fail(ui, &explain(&e)),
    };
    for file in &rebuilt.files {
        ui.detail(&format!("read {}", file.display()));
    }
    for s in &rebuilt.skipped {
        ui.detail(&format!("skipped {} {}: {}", s.offer_code, s.sku, s.reason));
    }
    let entries: usize = rebuilt.catalog.regions.values().map(|r| r.len()).sum();
    ui.detail(&format!(
        "{} product(s) priced, {} skipped",
        rebuilt.priced,
        rebuilt.skipped.len()
    ));
    let json = rebuilt.catalog.to_json();
    match &args.out {
        None => ui.print(&json),
        Some(out) => {
            let path = out;
            if let Err(e) = std::fs::write(path, &json) {
                return target::fail(
                    ui,
                    &CliError::new(
                        "strata::cost::catalog_write",
                        format!("cannot write {}: {e}", path.display()),
                        "check that the folder exists and is writable, or leave out --out to print the catalog".into(),
                    ),
                );
            }
            ui.note(&format!(
                "Wrote {} ({entries} price(s) in {} region(s), from {} file(s); {} product(s) skipped, -v lists them).",
                path.display(),
                rebuilt.catalog.regions.len(),
                rebuilt.files.len(),
                rebuilt.skipped.len()
            ));
        }
    }
    ExitStatus::Ok
}

/// `--date`, checked, else today (UTC).
fn date_of(given: Option<&str>) -> Result<String, CliError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match given {
        Some(text) => time::Date::parse(text, &format)
            .map(|_| text.to_string())
            .map_err(|_| {
                CliError::new(
                    "strata::cost::bad_date",
                    format!("`{text}` is not a date"),
                    "give --date as YYYY-MM-DD, e.g. --date 2026-12-01".into(),
                )
            }),
        None => time::OffsetDateTime::now_utc()
            .date()
            .format(&format)
            .map_err(|e| {
                CliError::new(
                    "strata::cost::bad_date",
                    format!("cannot format today's date: {e}"),
                    "give the date with --date YYYY-MM-DD".into(),
                )
            }),
    }
}

fn explain(e: &PriceListError) -> CliError {
    match e {
        PriceListError::Empty { .. } => CliError::new(
            "strata::cost::no_price_list",
            e.to_string(),
            "point --from at a folder of Price List JSON files: bulk offer files (offers/v1.0/aws/<offerCode>/current/<region>/index.json) or saved `aws pricing get-products` answers".into(),
        ),
        PriceListError::Malformed { .. } => CliError::new(
            "strata::cost::bad_price_list",
            e.to_string(),
            "download the file again, or move it out of the folder: every *.json file under --from is read".into(),
        ),
        PriceListError::Io { .. } => CliError::new(
            "strata::cost::price_list_unreadable",
            e.to_string(),
            "check that --from names a readable folder".into(),
        ),
    }
}
