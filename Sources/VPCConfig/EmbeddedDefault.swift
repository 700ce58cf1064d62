extension ConfigLoader {
    /// The config `vpcdns serve` runs without `--config`: a loopback-only resolver with one example
    /// VPC whose Systems Manager, KMS, CloudWatch Logs and STS interface endpoints have private DNS
    /// on. It names no files. `Config/vpcdns.yaml` is the same config with comments (and an example
    /// zone file and resolver rules); a test keeps their endpoints equal.
    public static let embeddedDefault: String = """
        # vpcdns embedded default config; see Config/vpcdns.yaml for every key explained.
        listen: ["127.0.0.1:5353", "[::1]:5353"]
        upstreams: ["resolv.conf"]
        allow: ["127.0.0.0/8", "::1/128"]

        vpcs:
          - id: vpc-0a1b2c3d4e5f60718
            region: ap-northeast-1
            cidrs: ["10.10.0.0/16"]
            listen: ["127.0.0.1:5353", "[::1]:5353"]
            enable_dns_support: true
            enable_dns_hostnames: true
            endpoints:
              - id: vpce-0f3a8c21d47b95e6a
                service: com.amazonaws.ap-northeast-1.ssm
                dns_suffix: q2k7x9mb
                private_dns: true
                interfaces:
                  - { az: ap-northeast-1a, ipv4: 10.10.1.10 }
                  - { az: ap-northeast-1c, ipv4: 10.10.2.10 }
              - id: vpce-07d2e94b1c3a58f60
                service: com.amazonaws.ap-northeast-1.ssmmessages
                dns_suffix: h4n8p1zt
                private_dns: true
                interfaces:
                  - { az: ap-northeast-1a, ipv4: 10.10.1.11 }
                  - { az: ap-northeast-1c, ipv4: 10.10.2.11 }
              - id: vpce-0c95b1e7a2d4f8036
                service: com.amazonaws.ap-northeast-1.ec2messages
                dns_suffix: w6r3j0ve
                private_dns: true
                interfaces:
                  - { az: ap-northeast-1a, ipv4: 10.10.1.12 }
                  - { az: ap-northeast-1c, ipv4: 10.10.2.12 }
              - id: vpce-02e7f4a9c61b3d85e
                service: com.amazonaws.ap-northeast-1.kms
                dns_suffix: 9tfkc2ul
                private_dns: true
                interfaces:
                  - { az: ap-northeast-1a, ipv4: 10.10.1.13 }
                  - { az: ap-northeast-1c, ipv4: 10.10.2.13 }
              - id: vpce-0b8d13f6e2a7c940d
                service: com.amazonaws.ap-northeast-1.logs
                dns_suffix: m1yq5s8d
                private_dns: true
                interfaces:
                  - { az: ap-northeast-1a, ipv4: 10.10.1.14 }
                  - { az: ap-northeast-1c, ipv4: 10.10.2.14 }
              - id: vpce-046a9e2b7d1f5c38b
                service: com.amazonaws.ap-northeast-1.sts
                dns_suffix: xe7g4n2a
                private_dns: true
                interfaces:
                  - { az: ap-northeast-1a, ipv4: 10.10.1.15 }
                  - { az: ap-northeast-1c, ipv4: 10.10.2.15 }
        """
}
