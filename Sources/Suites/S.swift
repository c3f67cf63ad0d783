import CLibBPF
