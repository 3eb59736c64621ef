//! JSON Schema of stack and tier files, for editors (taplo / Even Better TOML).
