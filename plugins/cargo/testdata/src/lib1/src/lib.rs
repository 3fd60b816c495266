pub fn marker() -> &'static str { "demo-lib 0.1.0" }
