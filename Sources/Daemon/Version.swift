/// The version `vpcdns --version` prints.
public enum VPCDNSVersion {
    public static let current = "0.1.0"
}
