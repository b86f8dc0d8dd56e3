import KubernetesModel
import Testing
@testable import KubernetesClient

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(maxAttempts: 4, initialBackoff: .milliseconds(100), maxBackoff: .milliseconds(350), maxRetryAfter: .seconds(10))

    func error(_ kind: KubernetesError.Kind, retryAfter: Duration? = nil, message: String = "") -> KubernetesError {
        KubernetesError(kind: kind, retryAfter: retryAfter, message: message)
    }

    @Test func tooManyRequestsHonoursRetryAfterForEveryVerb() {
        for request in [RetryPolicy.Request.read, .apply, .write] {
            #expect(policy.delay(after: error(.tooManyRequests, retryAfter: .seconds(2)), attempt: 1, request: request) == .seconds(2))
        }
        #expect(policy.delay(after: error(.tooManyRequests), attempt: 1, request: .write) == .milliseconds(100))
    }

    @Test func retryAfterBeyondTheLimitIsNotWaitedFor() {
        #expect(policy.delay(after: error(.tooManyRequests, retryAfter: .seconds(60)), attempt: 1, request: .read) == nil)
    }

    @Test func serverErrorsAreRetriedOnlyForSafeRequests() {
        for kind in [KubernetesError.Kind.serverError, .serviceUnavailable, .serverTimeout, .timeout, .transport] {
            #expect(policy.delay(after: error(kind), attempt: 1, request: .read) != nil, "\(kind) read")
            #expect(policy.delay(after: error(kind), attempt: 1, request: .apply) != nil, "\(kind) apply")
            #expect(policy.delay(after: error(kind), attempt: 1, request: .write) == nil, "\(kind) write")
        }
    }

    @Test func connectionRefusedIsRetriedForWritesToo() {
        #expect(policy.delay(after: error(.unreachable), attempt: 1, request: .write) == .milliseconds(100))
    }

    @Test func permanentServerErrorsAndClientErrorsAreNeverRetried() {
        let permanent = KubernetesError(kind: KubernetesError.classify(httpStatus: 500, status: KubeStatus(message: "failed to create typed patch object (/c1; /v1, Kind=ConfigMap): .bogus: field not declared in schema", reason: "", code: 500)))
        #expect(permanent.kind == .permanentServerError)
        for kind in [KubernetesError.Kind.permanentServerError, .badRequest, .notFound, .conflict, .applyConflict, .invalid, .gone, .unauthorized, .forbidden, .tls, .unknownKind] {
            let e = kind == .permanentServerError ? permanent : error(kind)
            for request in [RetryPolicy.Request.read, .apply, .write] {
                #expect(policy.delay(after: e, attempt: 1, request: request) == nil, "\(kind) \(request)")
            }
        }
    }

    @Test func mergeConfigFailureIsPermanent() {
        let status = KubeStatus(message: "failed to merge config: expected objects of the same type", reason: "", code: 500)
        #expect(KubernetesError.classify(httpStatus: 500, status: status) == .permanentServerError)
        #expect(KubernetesError.classify(httpStatus: 500, status: KubeStatus(message: "etcdserver: request timed out", reason: "InternalError", code: 500)) == .serverError)
    }

    @Test func backoffDoublesUpToTheCapAndAttemptsAreBounded() {
        let e = error(.serverError)
        #expect(policy.delay(after: e, attempt: 1, request: .read) == .milliseconds(100))
        #expect(policy.delay(after: e, attempt: 2, request: .read) == .milliseconds(200))
        #expect(policy.delay(after: e, attempt: 3, request: .read) == .milliseconds(350))
        #expect(policy.delay(after: e, attempt: 4, request: .read) == nil)
        #expect(RetryPolicy.never.delay(after: e, attempt: 1, request: .read) == nil)
    }

    @Test func serviceUnavailableWithRetryAfterWaitsThatLong() {
        #expect(policy.delay(after: error(.serviceUnavailable, retryAfter: .seconds(1)), attempt: 1, request: .read) == .seconds(1))
    }
}
