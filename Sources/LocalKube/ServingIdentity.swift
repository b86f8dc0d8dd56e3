import Crypto
import Foundation
import SwiftASN1
import X509

/// A certificate authority made at start, and a serving certificate it signed for 127.0.0.1 and localhost (P-256).
struct ServingIdentity: Sendable {
    let caCertificatePEM: String
    let certificatePEM: String
    let privateKeyPEM: String

    static func generate() throws(LocalKubeError) -> ServingIdentity {
        do {
            let now = Date()
            let caKey = P256.Signing.PrivateKey()
            let caName = try DistinguishedName {
                OrganizationName("addon-manager")
                CommonName("LocalKube CA")
            }
            let caPrivate = Certificate.PrivateKey(caKey)
            let ca = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: caPrivate.publicKey,
                notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(10 * 365 * 86400),
                issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                    Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                    SubjectKeyIdentifier(hash: caPrivate.publicKey)
                },
                issuerPrivateKey: caPrivate)

            let serverKey = P256.Signing.PrivateKey()
            let serverPrivate = Certificate.PrivateKey(serverKey)
            let serverName = try DistinguishedName {
                OrganizationName("addon-manager")
                CommonName("localkube")
            }
            let server = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: serverPrivate.publicKey,
                notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(365 * 86400),
                issuer: caName, subject: serverName, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                    try ExtendedKeyUsage([.serverAuth])
                    SubjectAlternativeNames([
                        .dnsName("localhost"),
                        .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
                        .ipAddress(ASN1OctetString(contentBytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])),
                    ])
                    AuthorityKeyIdentifier(keyIdentifier: try ca.extensions.subjectKeyIdentifier?.keyIdentifier)
                },
                issuerPrivateKey: caPrivate)
            return ServingIdentity(
                caCertificatePEM: try ca.serializeAsPEM().pemString,
                certificatePEM: try server.serializeAsPEM().pemString,
                privateKeyPEM: serverKey.pemRepresentation)
        } catch {
            throw LocalKubeError.certificate("\(error)")
        }
    }
}
