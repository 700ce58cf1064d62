// VPCModel
