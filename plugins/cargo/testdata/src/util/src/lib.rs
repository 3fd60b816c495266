pub fn marker() -> String {
    #[cfg(feature = "fancy")]
    { format!("demo_util 1.0.0-beta.1 with {}", dl::marker()) }
    #[cfg(not(feature = "fancy"))]
    { "demo_util 1.0.0-beta.1".to_string() }
}
