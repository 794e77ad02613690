/// What a caller asks to do with patient data.
public enum ArchiveAction: String, Hashable, Sendable {
    case read, write, delete
}

/// The tenants whose data one call may reach, for one action: what a policy grants to an `AccessContext`.
///
/// Index and blob stores take a scope, never a bare tenant, and filter every statement and every key by it. Only
/// this package can make one (`package init`), through an `AccessPolicy`, so no code path reaches data unscoped.
public struct AccessScope: Hashable, Sendable {
    public let context: AccessContext
    public let action: ArchiveAction
    /// Tenants whose rows and blobs the call may reach; never empty.
    public let tenants: Set<TenantID>

    package init(context: AccessContext, action: ArchiveAction, tenants: Set<TenantID>) {
        self.context = context
        self.action = action
        self.tenants = tenants
    }

    /// Whether the scope reaches the tenant's data.
    public func covers(_ tenant: TenantID) -> Bool { tenants.contains(tenant) }

    /// The tenants in a stable order, for SQL `IN (…)` lists.
    public var sortedTenants: [TenantID] { tenants.sorted() }
}

/// A refusal: the context may not do the action. Callers answer it as "not found" to outsiders, so that the
/// existence of another establishment's data is not revealed.
public struct AccessDenied: Error, Hashable, Sendable, CustomStringConvertible {
    public var context: AccessContext
    public var action: ArchiveAction
    public var reason: String

    public init(context: AccessContext, action: ArchiveAction, reason: String) {
        self.context = context
        self.action = action
        self.reason = reason
    }

    public var description: String { "\(context.principal) may not \(action.rawValue): \(reason)" }
}

/// Decides which tenants' data a context may reach. The seam where care relationships, grants, sharing agreements
/// and break-the-glass plug in (a later issue); every call into the archive goes through it.
public protocol AccessPolicy: Sendable {
    func scope(for context: AccessContext, action: ArchiveAction) throws(AccessDenied) -> AccessScope
}

/// The first policy: a principal reaches its own tenant's data, and only that.
public struct OwnTenantPolicy: AccessPolicy {
    public init() {}

    public func scope(for context: AccessContext, action: ArchiveAction) throws(AccessDenied) -> AccessScope {
        if action == .delete && context.roles.isDisjoint(with: [.establishmentAdministrator, .serviceOperator]) {
            throw AccessDenied(context: context, action: action, reason: "deleting needs an administrator role")
        }
        return AccessScope(context: context, action: action, tenants: [context.tenant])
    }
}
