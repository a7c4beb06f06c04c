val top = 1
