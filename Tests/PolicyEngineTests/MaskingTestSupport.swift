import PolicyEngine

/// Engines and sample values the masking suites share.
enum MaskingFixtures {
    static let secret = Array("a gateway secret of 32 bytes....".utf8)

    /// An engine with one rule per detector in `detectors`, each redacting.
    static func engine(_ detectors: [MaskingDetector], action: MaskingAction = .redact) throws -> MaskingEngine {
        let profile = try MaskingProfile(name: "test", detectorRules: detectors.map { MaskingDetectorRule(detector: $0, action: action) })
        return try MaskingEngine(profile: profile, secret: secret)
    }

    /// An engine with every detector, each redacting.
    static func allDetectors() throws -> MaskingEngine { try engine(MaskingDetector.allCases) }

    static let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"

    static let pemKey = """
        -----BEGIN RSA PRIVATE KEY-----
        MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu
        KUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEm
        -----END RSA PRIVATE KEY-----
        """
}
