import PolicyEngine
import Testing

/// Every detector against values it must mask and near misses it must leave alone.
@Suite("Masking detectors")
struct MaskingDetectorTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let detector: MaskingDetector
        let input: String
        let expected: String
        var testDescription: String { "\(detector): \(input.prefix(60))" }
    }

    static func masks(_ detector: MaskingDetector, _ input: String, _ expected: String) -> Case {
        Case(detector: detector, input: input, expected: expected)
    }

    static let found: [Case] = [
        masks(.email, "ann@example.com", "****"),
        masks(.email, "Contact: first.last+tag@mail.example.co.uk.", "Contact: ****."),
        masks(.email, "<bob_99@sub-domain.example.org>", "<****>"),
        masks(.email, "mailto:ann@example.com,bob@example.net", "mailto:****,****"),
        masks(.paymentCard, "4111111111111111", "****"),
        masks(.paymentCard, "card 4111 1111 1111 1111 exp 12/29", "card **** exp 12/29"),
        masks(.paymentCard, "4111-1111-1111-1111", "****"),
        masks(.paymentCard, "amex 378282246310005;", "amex ****;"),
        masks(.paymentCard, "3782 822463 10005", "****"),
        masks(.paymentCard, "5555555555554444", "****"),
        masks(.paymentCard, "2221000000000009", "****"),
        masks(.paymentCard, "6011111111111117", "****"),
        masks(.paymentCard, "3530111333300000", "****"),
        masks(.paymentCard, "30569309025904", "****"),
        masks(.paymentCard, "4222222222222", "****"),
        masks(.paymentCard, "a,4111111111111111,b", "a,****,b"),
        masks(.paymentCard, "ref 12 4111 1111 1111 1111", "ref 12 ****"),
        masks(.iban, "DE89370400440532013000", "****"),
        masks(.iban, "IBAN: DE89 3704 0044 0532 0130 00 (EUR)", "IBAN: **** (EUR)"),
        masks(.iban, "GB82WEST12345698765432", "****"),
        masks(.iban, "FR1420041010050500013M02606", "****"),
        masks(.iban, "NL91ABNA0417164300.", "****."),
        masks(.iban, "CH9300762011623852957", "****"),
        masks(.usSSN, "123-45-6789", "****"),
        masks(.usSSN, "ssn=078-05-1120;", "ssn=****;"),
        masks(.phone, "+1 555 123 4567", "****"),
        masks(.phone, "call +44 20 7946 0958 now", "call **** now"),
        masks(.phone, "+4915112345678", "****"),
        masks(.phone, "+1 (555) 123-4567", "****"),
        masks(.phone, "+44 (0)20 7946 0958", "****"),
        masks(.phone, "(555) 123-4567", "****"),
        masks(.phone, "tel: 555-123-4567.", "tel: ****."),
        masks(.phone, "555.123.4567", "****"),
        masks(.phone, "020 7946 0958", "****"),
        masks(.phone, "06 12 34 56 78", "****"),
        masks(.phone, "030 12345678", "****"),
        masks(.ipv4, "192.168.1.1", "****"),
        masks(.ipv4, "from 10.0.0.255:5432.", "from ****:5432."),
        masks(.ipv4, "8.8.8.8/32", "****/32"),
        masks(.ipv6, "2001:db8::1", "****"),
        masks(.ipv6, "[fe80::1ff:fe23:4567:890a]:22", "[****]:22"),
        masks(.ipv6, "2001:0db8:85a3:0000:0000:8a2e:0370:7334", "****"),
        masks(.ipv6, "::1", "****"),
        masks(.ipv6, "::ffff:192.0.2.128", "****"),
        masks(.ipv6, "fe80::", "****"),
        masks(.awsAccessKey, "AKIAIOSFODNN7EXAMPLE", "****"),
        masks(.awsAccessKey, "aws_access_key_id = ASIAY34FZKBOKMUTVV7A\n", "aws_access_key_id = ****\n"),
        masks(.gcpAPIKey, "key=AIzaSyA1b2C3d4E5f6G7h8I9j0K_l-MnOpQrStU&q=1", "key=****&q=1"),
        masks(.jwt, MaskingFixtures.jwt, "****"),
        masks(.jwt, "Bearer \(MaskingFixtures.jwt) end", "Bearer **** end"),
        masks(.jwt, "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "****"),
        masks(.pemPrivateKey, "key:\n\(MaskingFixtures.pemKey)\ndone", "key:\n****\ndone"),
        masks(.pemPrivateKey, "-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----", "****"),
        masks(.pemPrivateKey, "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----", "****"),
        masks(.pemPrivateKey, "-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBF\n-----END PGP PRIVATE KEY BLOCK-----", "****"),
        masks(.pemPrivateKey, "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE (cut off", "****"),
        masks(.passwordAssignment, "password=hunter2", "password=****"),
        masks(.passwordAssignment, "passwd: hunter2\nuser: ann", "passwd: ****\nuser: ann"),
        masks(.passwordAssignment, "pwd=x1&next=2", "pwd=****&next=2"),
        masks(.passwordAssignment, "secret = abc", "secret = ****"),
        masks(.passwordAssignment, "api_key=abc123 ok", "api_key=**** ok"),
        masks(.passwordAssignment, "?token=abc&page=2", "?token=****&page=2"),
        masks(.passwordAssignment, "export DB_PASSWORD=s3cr3t", "export DB_PASSWORD=****"),
        masks(.passwordAssignment, "psql --password=s3cr3t -h db", "psql --password=**** -h db"),
        masks(.passwordAssignment, #"{"password": "hunter 2", "user": "ann"}"#, #"{"password": "****", "user": "ann"}"#),
        masks(.passwordAssignment, #"{"clientSecret":"x"}"#, #"{"clientSecret":"****"}"#),
        masks(.passwordAssignment, "ALTER ROLE app WITH PASSWORD 'it''s secret'", "ALTER ROLE app WITH PASSWORD '****'"),
        masks(.passwordAssignment, "Authorization: Bearer abc.def-123", "Authorization: Bearer ****"),
        masks(.passwordAssignment, "x-api-key: k-123", "x-api-key: ****"),
        masks(.passwordAssignment, "access_token := 'tok'", "access_token := '****'"),
    ]

    static let nearMisses: [Case] = [
        masks(.email, "ann@localhost", "ann@localhost"),
        masks(.email, "user@example", "user@example"),
        masks(.email, "@example.com", "@example.com"),
        masks(.email, "ann@example.c0m", "ann@example.c0m"),
        masks(.email, "ann@-example.com", "ann@-example.com"),
        masks(.email, "a@b.c", "a@b.c"),
        masks(.paymentCard, "4111111111111112", "4111111111111112"),
        masks(.paymentCard, "4111 1111 1111 1112", "4111 1111 1111 1112"),
        masks(.paymentCard, "1234567812345670", "1234567812345670"),
        masks(.paymentCard, "41111111111111111111", "41111111111111111111"),
        masks(.paymentCard, "4111-1111 1111-1111", "4111-1111 1111-1111"),
        masks(.paymentCard, "id4111111111111111", "id4111111111111111"),
        masks(.paymentCard, "4111111111111111x", "4111111111111111x"),
        masks(.paymentCard, "3.4111111111111111", "3.4111111111111111"),
        masks(.paymentCard, "4111111111111111.5", "4111111111111111.5"),
        masks(.iban, "DE89370400440532013001", "DE89370400440532013001"),
        masks(.iban, "DE00370400440532013000", "DE00370400440532013000"),
        masks(.iban, "de89370400440532013000", "de89370400440532013000"),
        masks(.iban, "DE8937040044", "DE8937040044"),
        masks(.iban, "XDE89370400440532013000", "XDE89370400440532013000"),
        masks(.usSSN, "000-12-3456", "000-12-3456"),
        masks(.usSSN, "666-12-3456", "666-12-3456"),
        masks(.usSSN, "900-12-3456", "900-12-3456"),
        masks(.usSSN, "123-00-4567", "123-00-4567"),
        masks(.usSSN, "123-45-0000", "123-45-0000"),
        masks(.usSSN, "123456789", "123456789"),
        masks(.usSSN, "123-45-67890", "123-45-67890"),
        masks(.usSSN, "9123-45-6789", "9123-45-6789"),
        masks(.usSSN, "2024-123-45-6789", "2024-123-45-6789"),
        masks(.phone, "12345678901", "12345678901"),
        masks(.phone, "4111 1111 1111 1111", "4111 1111 1111 1111"),
        masks(.phone, "order 1234567890123", "order 1234567890123"),
        masks(.phone, "2024-01-15 12:30", "2024-01-15 12:30"),
        masks(.phone, "+123", "+123"),
        masks(.phone, "+1234567890123456789", "+1234567890123456789"),
        masks(.phone, "123-45-6789", "123-45-6789"),
        masks(.phone, "100.100.100.10", "100.100.100.10"),
        masks(.phone, "555-123 4567", "555-123 4567"),
        masks(.ipv4, "192.168.1.300", "192.168.1.300"),
        masks(.ipv4, "256.1.1.1", "256.1.1.1"),
        masks(.ipv4, "1.2.3.4.5", "1.2.3.4.5"),
        masks(.ipv4, "1.2.3", "1.2.3"),
        masks(.ipv4, "v1.2.3.4", "v1.2.3.4"),
        masks(.ipv4, "1.2.3.4567", "1.2.3.4567"),
        masks(.ipv6, "12:30:45", "12:30:45"),
        masks(.ipv6, "00:1a:2b:3c:4d:5e", "00:1a:2b:3c:4d:5e"),
        masks(.ipv6, "1:2:3:4:5:6:7", "1:2:3:4:5:6:7"),
        masks(.ipv6, "2001:db8::1::2", "2001:db8::1::2"),
        masks(.ipv6, "12345::1", "12345::1"),
        masks(.ipv6, "std::vector", "std::vector"),
        masks(.ipv6, "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8:9"),
        masks(.awsAccessKey, "AKIAIOSFODNN7EXAMPL", "AKIAIOSFODNN7EXAMPL"),
        masks(.awsAccessKey, "AKIAIOSFODNN7EXAMPLEX", "AKIAIOSFODNN7EXAMPLEX"),
        masks(.awsAccessKey, "AKIDIOSFODNN7EXAMPLE", "AKIDIOSFODNN7EXAMPLE"),
        masks(.awsAccessKey, "akiaiosfodnn7example", "akiaiosfodnn7example"),
        masks(.gcpAPIKey, "AIzaSyA1b2C3d4E5f6G7h8I9j0K_l-MnOpQrSt", "AIzaSyA1b2C3d4E5f6G7h8I9j0K_l-MnOpQrSt"),
        masks(.gcpAPIKey, "AIzaSyA1b2C3d4E5f6G7h8I9j0K_l-MnOpQrStUv", "AIzaSyA1b2C3d4E5f6G7h8I9j0K_l-MnOpQrStUv"),
        masks(.jwt, "eyJhbGciOiJIUzI1NiJ9", "eyJhbGciOiJIUzI1NiJ9"),
        masks(.jwt, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0"),
        masks(.jwt, "keyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig", "keyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig"),
        masks(.jwt, "eyJ.eyJ.sig", "eyJ.eyJ.sig"),
        masks(.pemPrivateKey, "-----BEGIN PUBLIC KEY-----\nMFww\n-----END PUBLIC KEY-----", "-----BEGIN PUBLIC KEY-----\nMFww\n-----END PUBLIC KEY-----"),
        masks(.pemPrivateKey, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"),
        masks(.passwordAssignment, "password", "password"),
        masks(.passwordAssignment, "password: \nnext", "password: \nnext"),
        masks(.passwordAssignment, "passwords=1", "passwords=1"),
        masks(.passwordAssignment, "cwd=/tmp", "cwd=/tmp"),
        masks(.passwordAssignment, "cpwd=1", "cpwd=1"),
        masks(.passwordAssignment, "the password is x", "the password is x"),
        masks(.passwordAssignment, "SELECT password, token FROM users", "SELECT password, token FROM users"),
        masks(.passwordAssignment, "password=''", "password=''"),
    ]

    @Test("masks what it should", arguments: found)
    func masksValidValues(_ sample: Case) throws {
        let engine = try MaskingFixtures.engine([sample.detector])
        #expect(engine.maskText(sample.input).text == sample.expected)
    }

    @Test("leaves near misses alone", arguments: nearMisses)
    func leavesNearMisses(_ sample: Case) throws {
        let engine = try MaskingFixtures.engine([sample.detector])
        let result = engine.maskText(sample.input)
        #expect(result.text == sample.input)
        #expect(result.counts.isEmpty)
    }

    @Test func everyDetectorHasBothKindsOfCase() {
        for detector in MaskingDetector.allCases {
            #expect(Self.found.contains { $0.detector == detector }, "\(detector) has no value to find")
            #expect(Self.nearMisses.contains { $0.detector == detector }, "\(detector) has no near miss")
        }
    }

    @Test func namesAreTheOnesUsersWrite() {
        #expect(MaskingDetector.allCases.map(\.rawValue) == [
            "pem_private_key", "jwt", "aws_access_key", "gcp_api_key", "password_assignment", "email", "iban", "ipv6", "ipv4",
            "us_ssn", "payment_card", "phone",
        ])
    }

    /// With every detector on, ordinary data that merely looks numeric stays as it is.
    @Test(arguments: [
        "2026-11-27 10:15:00+00", "order 1234 shipped", "total 1234.56 EUR", "v1.2.3", "12:30:45", "id 98765432109876543210",
        "4111111111111112", "192.168.1.300", "000-12-3456", "DE89370400440532013001", "Build 2024.11.27", "x=1; y=2",
        "SELECT id, name FROM orders WHERE id = 42", "café crème", "",
    ])
    func ordinaryTextSurvivesAllDetectors(_ text: String) throws {
        #expect(try MaskingFixtures.allDetectors().maskText(text).text == text)
    }

    /// Several detectors in one text: each finds its own, counts go by rule.
    @Test func mixedTextIsMaskedByEachRule() throws {
        let engine = try MaskingFixtures.allDetectors()
        let text = "ann@example.com paid with 4111 1111 1111 1111 from 10.0.0.1; password=hunter2, ssn 123-45-6789"
        let result = engine.maskText(text)
        #expect(result.text == "**** paid with **** from ****; password=****, ssn ****")
        #expect(result.counts.byRule == [
            "detector:email": 1, "detector:payment_card": 1, "detector:ipv4": 1, "detector:password_assignment": 1, "detector:us_ssn": 1,
        ])
        #expect(result.counts.total == 5)
    }

    /// Inputs that keep almost matching finish (scanners are linear with bounded look-ahead)
    /// and are left alone.
    @Test func nearMatchesOverAndOverStayUnmasked() throws {
        let engine = try MaskingFixtures.allDetectors()
        let inputs = [
            String(repeating: "1", count: 50_000),
            String(repeating: "1 ", count: 20_000),
            String(repeating: "a.", count: 20_000) + "@",
            String(repeating: "::", count: 20_000),
            String(repeating: "-----BEGIN ", count: 5_000),
            String(repeating: "+1 ", count: 20_000),
            String(repeating: "eyJ", count: 20_000),
            String(repeating: "AKIA", count: 20_000),
        ]
        for input in inputs {
            let result = engine.maskText(input)
            #expect(result.text == input, "\(input.prefix(12))…")
        }
    }
}
