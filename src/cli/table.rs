//! Left-aligned text tables whose cells may be coloured without breaking the alignment.

/// A table: a header row and rows of the same width.
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table with these column headers.
    pub fn new(headers: &[&str]) -> Self {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Add a row (missing cells are empty, extra ones dropped).
    pub fn row(&mut self, mut cells: Vec<String>) {
        cells.resize(self.headers.len(), String::new());
        self.rows.push(cells);
    }

    /// The table as lines, each cell padded to its column's width and `indent` before each line.
    /// `paint(column, cell)` may wrap a body cell in colour; padding is added outside it, so
    /// escape codes neither count towards widths nor colour the gaps. Trailing spaces are trimmed.
    pub fn render(&self, indent: &str, paint: impl Fn(usize, &str) -> String) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let last = self.headers.len().saturating_sub(1);
        let line = |cells: &[String], painted: bool| {
            let mut s = indent.to_string();
            for (i, cell) in cells.iter().enumerate() {
                if painted {
                    s.push_str(&paint(i, cell));
                } else {
                    s.push_str(cell);
                }
                if i != last {
                    let pad = widths[i] - cell.chars().count();
                    s.push_str(&" ".repeat(pad + 2));
                }
            }
            s.trim_end().to_string() + "\n"
        };
        let mut out = line(&self.headers, false);
        for row in &self.rows {
            out.push_str(&line(row, true));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_paint_does_not_shift_them() {
        let mut t = Table::new(&["NAME", "STATUS", "N"]);
        t.row(vec!["a".into(), "running".into(), "1".into()]);
        t.row(vec!["longer-name".into(), "failed".into()]);
        let plain = t.render("", |_, cell| cell.to_string());
        assert_eq!(
            plain,
            "NAME         STATUS   N\na            running  1\nlonger-name  failed\n"
        );
        let painted = t.render("  ", |col, cell| {
            if col == 1 {
                format!("<{cell}>")
            } else {
                cell.to_string()
            }
        });
        assert_eq!(
            painted,
            "  NAME         STATUS   N\n  a            <running>  1\n  longer-name  <failed>\n"
        );
    }
}
