extension Duration {
    /// The duration in seconds, as a `Double` (for rates, and for `Date` arithmetic).
    package var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
