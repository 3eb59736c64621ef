//! Plan renderers: text, Markdown and JSON.
