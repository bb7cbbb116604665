module lsim

go 1.19
