val x = #
