import Dispatch
import IPAddress
import Resolver
import Transport

/// The daemon's listeners: one `Listeners` per configured address (so a reload can add and
/// remove addresses one by one) plus the sockets systemd passed in, which are never closed on reload.
final class ListenerSet: @unchecked Sendable {
    // Only touched on the daemon's control queue.
    private var byAddress: [SocketAddress: Listeners] = [:]
    private var inherited: Listeners?
    private let handler: EngineHandler

    init(handler: EngineHandler) {
        self.handler = handler
    }

    /// Takes over sockets passed by systemd (socket activation).
    func adopt(_ sockets: [InheritedSocket], options: TransportOptions) throws(TransportError) {
        guard !sockets.isEmpty else { return }
        let listeners = try Listeners(addresses: [], inheritedSockets: sockets, options: options, handler: handler)
        listeners.start()
        inherited = listeners
    }

    /// Addresses the passed sockets already cover.
    var inheritedAddresses: Set<SocketAddress> {
        Set(inherited?.boundAddresses.map(\.1) ?? [])
    }

    /// Binds the addresses not bound yet and closes those no longer wanted, and gives every
    /// listener kept the TCP limits of `options`. On a bind failure nothing is closed or
    /// changed, and the error names the address.
    func update(to wanted: [SocketAddress], options: TransportOptions) throws(TransportError) {
        let wantedSet = Set(wanted).subtracting(inheritedAddresses)
        var added: [SocketAddress: Listeners] = [:]
        do throws(TransportError) {
            for address in wanted where wantedSet.contains(address) && byAddress[address] == nil && added[address] == nil {
                added[address] = try Listeners(addresses: [address], options: options, handler: handler)
            }
        } catch {
            for listeners in added.values { listeners.stop(drainFor: .zero) }
            throw error
        }
        for listeners in added.values { listeners.start() }
        for listeners in (inherited.map { [$0] } ?? []) + Array(byAddress.values) { listeners.applyTCPLimits(options) }
        byAddress.merge(added) { old, _ in old }
        for (address, listeners) in byAddress where !wantedSet.contains(address) {
            listeners.stop(drainFor: .milliseconds(200))
            byAddress[address] = nil
        }
    }

    /// Every address and protocol served, for logs and status.
    var boundAddresses: [(TransportProtocol, SocketAddress)] {
        (inherited.map { [$0] } ?? []).flatMap(\.boundAddresses) + byAddress.values.flatMap(\.boundAddresses)
    }

    var isServing: Bool { inherited != nil || !byAddress.isEmpty }

    /// TCP counters summed over the listeners open now (each address has its own connection
    /// table and caps). On the control queue.
    var tcpStatistics: TCPStatistics {
        var total = TCPStatistics()
        for listeners in (inherited.map { [$0] } ?? []) + Array(byAddress.values) {
            let part = listeners.tcpStatistics
            total.open += part.open
            total.accepted += part.accepted
            total.refused += part.refused
            total.closedForPressure += part.closedForPressure
            total.closedIdle += part.closedIdle
            total.queueTrips += part.queueTrips
        }
        return total
    }

    /// Stops accepting, lets in-flight answers go out for up to `drain` (UDP ones until `isIdle`
    /// says none is pending), runs `atDrainEnd` for what is still unanswered, closes everything.
    func stop(drain: Duration, isIdle: @escaping @Sendable () -> Bool, atDrainEnd: @escaping @Sendable () -> Void) {
        let all = (inherited.map { [$0] } ?? []) + Array(byAddress.values)
        // Stop every set at once, so the drain time is shared rather than added up.
        let group = DispatchGroup()
        for listeners in all {
            DispatchQueue.global().async(group: group) { listeners.stop(drainFor: drain, isIdle: isIdle, atDrainEnd: atDrainEnd) }
        }
        group.wait()
        inherited = nil
        byAddress = [:]
    }
}
