pub fn marker() -> &'static str { "demo-lib 0.2.0" }
