import AuditCore
import Foundation

/// The identity a gateway-issued SSH certificate carries, in its extension
/// ``extensionName`` as compact JSON: enough to rebuild the ``Identity`` of the token it was
/// issued from, with that token as its parent. The CA's signature covers it, so a client
/// cannot change it.
struct SSHCertificateClaims: Codable, Equatable {
    static let extensionName = "identity@auditgateway"

    var subject: String
    var issuer: String
    var groups: [String]
    /// Outermost (most recent) actor first, as in ``Identity/actors``.
    var actors: [String]
    /// The `jti` of the token the certificate was issued from.
    var parentTokenID: String?
    /// The connections the token was limited to; nil = not limited.
    var connections: [String]?
    /// When the certificate was issued (seconds since 1970): revoking the subject or an
    /// actor covers certificates issued until then.
    var issuedAt: Int64

    enum CodingKeys: String, CodingKey {
        case subject = "sub", issuer = "iss", groups, actors = "act", parentTokenID = "parent_jti", connections, issuedAt = "iat"
    }

    /// The certificate's id as the trail and the token ledger know it: `ssh-cert-SERIAL`.
    static func certificateID(serial: UInt64) -> String {
        "ssh-cert-\(serial)"
    }

    /// The identity a login with the certificate acts as: the token's subject, groups,
    /// chain and connections, the certificate as the token, the token as its parent.
    func identity(serial: UInt64, validBefore: UInt64) -> Identity {
        Identity(subject: subject, issuer: issuer, groups: groups, actors: actors, tokenID: Self.certificateID(serial: serial),
                 parentTokenID: parentTokenID, issuedAt: Date(timeIntervalSince1970: TimeInterval(issuedAt)),
                 expiresAt: Date(timeIntervalSince1970: TimeInterval(validBefore)), connections: connections)
    }

    /// `sub=alice;actors=loader,etl;jti=3f2…`: what `ssh-keygen -L` shows as the key ID.
    var keyID: String {
        var parts = ["sub=\(subject)"]
        if !actors.isEmpty { parts.append("actors=\(actors.joined(separator: ","))") }
        parts.append("jti=\(parentTokenID ?? "-")")
        return parts.joined(separator: ";")
    }

    func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    static func decode(_ text: String) throws -> SSHCertificateClaims {
        try JSONDecoder().decode(SSHCertificateClaims.self, from: Data(text.utf8))
    }
}

extension SSHCertificateClaims {
    /// What a certificate issued now from the token of `identity` carries.
    init(identity: Identity, issuedAt: Date) {
        subject = identity.subject
        issuer = identity.issuer
        groups = identity.groups
        actors = identity.actors
        parentTokenID = identity.tokenID
        connections = identity.connections
        self.issuedAt = Int64(issuedAt.timeIntervalSince1970.rounded(.down))
    }
}
