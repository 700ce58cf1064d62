print("vpcdns")
