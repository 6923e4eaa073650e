"""Korean, for learners: the English text (or template, ``{}`` = a slot) → its Korean.

Terms as the Korean DDPM tutorials use them: 순방향 과정 (forward process), 역방향 과정 (reverse process), 노이즈
스케줄 (noise schedule), 샘플링 (sampling), 타임스텝 (timestep), 노이즈 예측 (ε prediction), 사후 분포 (posterior).
Equations stay LaTeX; model ids, sampler names (DDPM, DDIM, DPM-Solver++, UniPC) and units stay as they are.
"""

KO: dict[str, str] = {
    "Forward noising": "순방향 과정 (노이즈 추가)",
    "Reverse sampling": "역방향 과정 (샘플링)",
    "Schedule explorer": "노이즈 스케줄 탐색",
    "2D lab": "2D 실험실",
    "{} must be a number; got {}.": "{}에는 숫자를 넣어야 합니다. 받은 값: {}.",
    "The seed": "시드",
}
