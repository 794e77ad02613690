import DICOMCore
import DICOMNetwork
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The part of an association that any task may use to send: the state machine, the outbound writer, the ARTIM
/// timer and the fragmenter sized to the peer's maximum PDU length.
///
/// Every PDU goes through `AssociationStateMachine` first (PS3.8 §9.2), so nothing is sent in a state that does not
/// allow it; the machine's I/O actions are performed here, its indications handed back to the caller.
final class AssociationCore: Sendable {
    private struct State {
        var machine: AssociationStateMachine
        var artim: Scheduled<Void>?
        var peerMaximumLength: UInt32 = 0
    }

    let channel: any Channel
    let outbound: NIOAsyncChannelOutboundWriter<PDU>
    let artimTimeout: TimeAmount
    let logger: Logger
    private let state: NIOLockedValueBox<State>
    /// Serializes multi-PDU messages so that two tasks' messages never interleave.
    private let sendLock = AsyncMutex()

    init(
        channel: any Channel, outbound: NIOAsyncChannelOutboundWriter<PDU>, machine: AssociationStateMachine,
        artimTimeout: TimeAmount, logger: Logger
    ) {
        self.channel = channel
        self.outbound = outbound
        self.artimTimeout = artimTimeout
        self.logger = logger
        self.state = NIOLockedValueBox(State(machine: machine))
    }

    var peerMaximumLength: UInt32 {
        get { state.withLockedValue { $0.peerMaximumLength } }
        set { state.withLockedValue { $0.peerMaximumLength = newValue } }
    }

    var machineState: AssociationStateMachine.State { state.withLockedValue { $0.machine.state } }

    /// Applies an event, performs its I/O actions (sends, timers, close) and returns the indications.
    func handle(_ event: AssociationStateMachine.Event) async throws -> [AssociationStateMachine.Action] {
        let actions = try state.withLockedValue { try $0.machine.handle(event) }
        var indications: [AssociationStateMachine.Action] = []
        for action in actions {
            switch action {
            case .send(let pdu): try await outbound.write(pdu)
            case .startARTIM: startARTIM()
            case .stopARTIM: stopARTIM()
            case .closeTransport: Self.closeAfterPendingWrites(channel)
            case .openTransport: break  // The client opens the connection before its first event.
            default: indications.append(action)
            }
        }
        return indications
    }

    /// Closes the connection once the bytes written before (an A-ABORT, an A-RELEASE-RP) have reached the socket:
    /// NIO fails the writes still pending when a channel closes, and a peer must see the abort (PS3.8 §9.2.2).
    private static func closeAfterPendingWrites(_ channel: any Channel) {
        channel.eventLoop.execute {
            guard
                let encoder = try? channel.pipeline.syncOperations.context(handlerType: PDUFrameWriter.self)
            else { return channel.close(promise: nil) }
            encoder.writeAndFlush(NIOAny(ByteBuffer())).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    /// Sends a DIMSE message: its command, then its data set (if any) from `dataSet`, cut to the peer's maximum.
    func send<Chunks: AsyncSequence>(
        command: CommandSet, contextID: UInt8, dataSet: Chunks?
    ) async throws where Chunks.Element == ByteBuffer {
        try await sendLock.withLock {
            var fragmenter = MessageFragmenter(peerMaximumLength: peerMaximumLength)
            try await sendData(fragmenter.commandPDUs(command, contextID: contextID))
            guard let dataSet else { return }
            for try await chunk in dataSet {
                let pdus = fragmenter.append(dataSet: chunk, contextID: contextID, isLast: false)
                if !pdus.isEmpty { try await sendData(pdus) }
            }
            try await sendData(fragmenter.append(dataSet: ByteBuffer(), contextID: contextID, isLast: true))
        }
    }

    /// Sends a DIMSE message whose data set (if any) is in memory: its command and data set PDUs in one write, so
    /// that a C-FIND match or a response costs one trip to the event loop and one flush.
    func send(command: CommandSet, contextID: UInt8, dataSet: ByteBuffer? = nil) async throws {
        try await sendLock.withLock {
            let fragmenter = MessageFragmenter(peerMaximumLength: peerMaximumLength)
            var pdus = fragmenter.commandPDUs(command, contextID: contextID)
            if let dataSet { pdus += fragmenter.dataSetPDUs(dataSet, contextID: contextID) }
            try await sendData(pdus)
        }
    }

    private func sendData(_ pdus: [PDU]) async throws {
        try state.withLockedValue { state in
            for case .data(let transfer) in pdus { _ = try state.machine.handle(.dataRequest(transfer)) }
        }
        try await outbound.write(contentsOf: pdus)
    }

    private func startARTIM() {
        let channel = self.channel
        let scheduled = channel.eventLoop.scheduleTask(in: artimTimeout) { channel.close(promise: nil) }
        state.withLockedValue { state in
            state.artim?.cancel()
            state.artim = scheduled
        }
    }

    private func stopARTIM() {
        state.withLockedValue { state in
            state.artim?.cancel()
            state.artim = nil
        }
    }
}

/// A lock held across suspension points, first come first served.
final class AsyncMutex: Sendable {
    private struct State {
        var isLocked = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = NIOLockedValueBox(State())

    func withLock<Result>(_ body: () async throws -> Result) async throws -> Result {
        await lock()
        defer { unlock() }
        return try await body()
    }

    private func lock() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = state.withLockedValue { state -> Bool in
                if state.isLocked {
                    state.waiters.append(continuation)
                    return false
                }
                state.isLocked = true
                return true
            }
            if acquired { continuation.resume() }
        }
    }

    private func unlock() {
        let next = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.isLocked = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
