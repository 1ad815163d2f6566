print("rvcheck")
