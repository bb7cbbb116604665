#include "textflag.h"

// func pause(n uint32): n PAUSE instructions, as runtime·procyield on amd64.
TEXT ·pause(SB),NOSPLIT,$0-4
	MOVL	n+0(FP), AX
again:
	PAUSE
	SUBL	$1, AX
	JNZ	again
	RET
