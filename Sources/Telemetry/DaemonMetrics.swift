import CoreMetrics
import Platform
import Prometheus

/// The daemon's own lifecycle metrics, through swift-metrics into vpcdns's Prometheus registry:
/// reloads, when and how fast the serving config was loaded, and build info.
public struct DaemonMetrics: Sendable {
    private let reloadsOK: CoreMetrics.Counter
    private let reloadsFailed: CoreMetrics.Counter
    private let loadTimestamp: CoreMetrics.Gauge
    private let loadDuration: CoreMetrics.Gauge

    init(factory: PrometheusMetricsFactory, version: String) {
        reloadsOK = CoreMetrics.Counter(label: "vpcdns_reloads_total", dimensions: [("result", "ok")], factory: factory)
        reloadsFailed = CoreMetrics.Counter(label: "vpcdns_reloads_total", dimensions: [("result", "failed")], factory: factory)
        loadTimestamp = CoreMetrics.Gauge(label: "vpcdns_config_load_timestamp_seconds", factory: factory)
        loadDuration = CoreMetrics.Gauge(label: "vpcdns_config_load_duration_seconds", factory: factory)
        CoreMetrics.Gauge(label: "vpcdns_build_info", dimensions: [("version", version)], factory: factory).record(1)
    }

    /// A config was loaded and is now served (at start or by a reload).
    public func configLoaded(took duration: Duration, at unixSeconds: Double, reload: Bool) {
        if reload { reloadsOK.increment() }
        loadTimestamp.record(unixSeconds)
        loadDuration.record(duration.inSeconds)
    }

    public func reloadFailed() { reloadsFailed.increment() }
}
