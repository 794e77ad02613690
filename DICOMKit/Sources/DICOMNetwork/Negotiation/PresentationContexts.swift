public import DICOMCore

/// An accepted presentation context: its ID, abstract syntax and the one transfer syntax agreed for it.
public struct AcceptedPresentationContext: Hashable, Sendable {
    public var id: UInt8
    public var abstractSyntax: UID
    public var transferSyntax: UID

    public init(id: UInt8, abstractSyntax: UID, transferSyntax: UID) {
        self.id = id
        self.abstractSyntax = abstractSyntax
        self.transferSyntax = transferSyntax
    }
}

/// The outcome of a negotiation as both sides use it afterwards: the accepted contexts, the roles, the peer's
/// maximum PDU length.
///
/// PS3.8 §9.3.2.2–9.3.3.2 and PS3.7 Annex D.3.3.4 (roles).
public struct NegotiatedAssociation: Hashable, Sendable {
    public var acceptedContexts: [AcceptedPresentationContext]
    /// SOP classes for which the association requestor may act as SCP (C-GET storage sub-operations).
    public var requestorSCPRoles: Set<UID>
    /// The largest P-DATA-TF the peer accepts (0: unlimited).
    public var peerMaximumLength: UInt32

    public init(acceptedContexts: [AcceptedPresentationContext], requestorSCPRoles: Set<UID>, peerMaximumLength: UInt32) {
        self.acceptedContexts = acceptedContexts
        self.requestorSCPRoles = requestorSCPRoles
        self.peerMaximumLength = peerMaximumLength
    }

    /// The requestor's view: its proposals matched with the acceptor's answer. Results for IDs never proposed
    /// are ignored.
    public init(request: AssociateRequest, accept: AssociateAccept) {
        let proposals = Dictionary(request.presentationContexts.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        acceptedContexts = accept.presentationContexts.compactMap { result in
            guard result.isAccepted, let proposal = proposals[result.id],
                proposal.transferSyntaxes.contains(result.transferSyntax)
            else { return nil }
            return AcceptedPresentationContext(id: result.id, abstractSyntax: proposal.abstractSyntax, transferSyntax: result.transferSyntax)
        }
        let proposedSCP = Set(request.userInformation.roleSelections.filter(\.scpRole).map(\.sopClassUID))
        requestorSCPRoles = Set(accept.userInformation.roleSelections.filter { $0.scpRole && proposedSCP.contains($0.sopClassUID) }.map(\.sopClassUID))
        peerMaximumLength = accept.userInformation.maximumLength
    }

    /// The accepted context with this ID.
    public func context(id: UInt8) -> AcceptedPresentationContext? {
        acceptedContexts.first { $0.id == id }
    }

    /// The first accepted context for the abstract syntax, preferring one whose transfer syntax is among
    /// `preferredTransferSyntaxes` (in that order).
    public func context(for abstractSyntax: UID, preferring preferredTransferSyntaxes: [UID] = []) -> AcceptedPresentationContext? {
        let candidates = acceptedContexts.filter { $0.abstractSyntax == abstractSyntax }
        for syntax in preferredTransferSyntaxes {
            if let match = candidates.first(where: { $0.transferSyntax == syntax }) { return match }
        }
        return candidates.first
    }
}

/// What an acceptor supports, and the A-ASSOCIATE-AC it answers a request with.
///
/// PS3.8 §9.3.3: every proposed context gets a result. A context is accepted with the first transfer syntax, in
/// the requestor's order, that the acceptor supports for its abstract syntax (so objects are taken in the syntax
/// their sender chose). Role selection is granted for accepted SOP classes when `grantsSCPRole` says so; the
/// asynchronous operations window is answered 1/1 (operations are performed one at a time).
public struct AssociationAcceptancePolicy: Sendable {
    /// Transfer syntaxes supported for an abstract syntax; nil when the abstract syntax is not supported.
    public var transferSyntaxes: @Sendable (UID) -> Set<UID>?
    /// Whether the requestor may act as SCP for a SOP class (C-GET's storage sub-operations).
    public var grantsSCPRole: @Sendable (UID) -> Bool

    public init(
        transferSyntaxes: @escaping @Sendable (UID) -> Set<UID>?, grantsSCPRole: @escaping @Sendable (UID) -> Bool = { _ in true }
    ) {
        self.transferSyntaxes = transferSyntaxes
        self.grantsSCPRole = grantsSCPRole
    }

    /// Every abstract syntax in `abstractSyntaxes`, each with `transferSyntaxes`.
    public init(abstractSyntaxes: Set<UID>, transferSyntaxes: Set<UID>) {
        self.init(transferSyntaxes: { abstractSyntaxes.contains($0) ? transferSyntaxes : nil })
    }

    /// The results for every proposed context, in the order proposed.
    public func results(for request: AssociateRequest) -> [PresentationContextResult] {
        request.presentationContexts.map { proposal in
            guard let supported = transferSyntaxes(proposal.abstractSyntax) else {
                return PresentationContextResult(id: proposal.id, result: .abstractSyntaxNotSupported, transferSyntax: "")
            }
            guard let chosen = proposal.transferSyntaxes.first(where: supported.contains) else {
                return PresentationContextResult(id: proposal.id, result: .transferSyntaxesNotSupported, transferSyntax: "")
            }
            return PresentationContextResult(id: proposal.id, result: .acceptance, transferSyntax: chosen)
        }
    }

    /// The A-ASSOCIATE-AC for `request`, with `results` (as `results(for:)` gives, possibly edited by the caller).
    public func accept(
        _ request: AssociateRequest, results: [PresentationContextResult], maximumLength: UInt32,
        implementationClassUID: UID, implementationVersionName: String?, userIdentityResponse: UserIdentityResponse? = nil
    ) -> AssociateAccept {
        let acceptedSyntaxes = Set(
            results.filter(\.isAccepted).compactMap { result in request.presentationContexts.first { $0.id == result.id }?.abstractSyntax })
        let roles = request.userInformation.roleSelections.compactMap { selection -> RoleSelection? in
            guard acceptedSyntaxes.contains(selection.sopClassUID) else { return nil }
            return RoleSelection(
                sopClassUID: selection.sopClassUID, scuRole: selection.scuRole,
                scpRole: selection.scpRole && grantsSCPRole(selection.sopClassUID))
        }
        let window = request.userInformation.asynchronousOperationsWindow.map { _ in
            AsynchronousOperationsWindow(maximumInvoked: 1, maximumPerformed: 1)
        }
        let positiveResponse = request.userInformation.userIdentityRequest?.positiveResponseRequested == true
        let information = UserInformation(
            maximumLength: maximumLength, implementationClassUID: implementationClassUID,
            implementationVersionName: implementationVersionName, asynchronousOperationsWindow: window, roleSelections: roles,
            userIdentityResponse: positiveResponse ? (userIdentityResponse ?? UserIdentityResponse()) : nil)
        return AssociateAccept(
            calledAETitle: request.calledAETitle, callingAETitle: request.callingAETitle, presentationContexts: results,
            userInformation: information)
    }

    /// The acceptor's view of an accepted association.
    public static func negotiated(_ request: AssociateRequest, _ accept: AssociateAccept) -> NegotiatedAssociation {
        var negotiated = NegotiatedAssociation(request: request, accept: accept)
        negotiated.peerMaximumLength = request.userInformation.maximumLength
        return negotiated
    }
}
