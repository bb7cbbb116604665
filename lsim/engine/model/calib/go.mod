module lsimcalib

go 1.19
