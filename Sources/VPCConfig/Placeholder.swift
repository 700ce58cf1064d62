// VPCConfig
