"""Korean, for learners: the English text (or template: ``{}`` is a slot) → its Korean.

Terms as the Korean DDPM tutorials use them: 순방향 과정 (forward process), 역방향 과정 (reverse process), 노이즈
스케줄 (noise schedule), 샘플링 (sampling), 시점 t (timestep t), 노이즈 예측 ε (the ε-network), 사후 분포 (posterior),
평균 / 분산 (mean / variance). Equations stay LaTeX; model ids, sampler names (DDPM, DDIM, DPM-Solver++, UniPC),
symbols and units stay as they are. A template's slots are filled with the matched parts, each translated in turn;
a Korean template may number its slots (``{2}``) where Korean wants another order.
"""

from ddpm.defaults import SAMPLING_DEFAULTS_FILE
from ddpm.hub import WEIGHTS_BIN, WEIGHTS_SAFETENSORS
from ddpm.schedule import SCHEDULE_KINDS
from ui.locales.ko_presenter import PRESENTER_KO
from ui.theme import HEADER

HEADER_KO = r"""
# DDPM Studio
**노이즈 제거 확산 확률 모델**(Denoising Diffusion Probabilistic Model, Ho et al. 2020)은 정해진 방식으로 노이즈를
더하는 과정을 거꾸로 되돌리는 법을 배웁니다.
순방향 과정은 가우시안 노이즈를 한 단계씩 더하고,
$q(x_t \mid x_{t-1}) = \mathcal{N}(\sqrt{1-\beta_t}\,x_{t-1},\ \beta_t I)$,
어떤 시점 $t$로든 한 번에 건너뛸 수 있습니다: $x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\varepsilon$,
여기서 $\bar\alpha_t = \prod_{s\le t}(1-\beta_s)$, $\varepsilon \sim \mathcal{N}(0, I)$ 입니다.
신경망 $\varepsilon_\theta(x_t, t)$는 더해진 노이즈를 예측하도록 학습하고, 샘플링은 이 사슬을 거꾸로 따라갑니다.
"""

KO: dict[str, str] = {
    # --- the page: header, tabs, footer -----------------------------------------------------------------------------
    "Forward noising": "순방향 과정 (노이즈 추가)",
    "Reverse sampling": "역방향 과정 (샘플링)",
    "Schedule explorer": "노이즈 스케줄 탐색",
    "2D lab": "2D 실험실",
    "Default model: {} (loads on first use) · device: {} · precision: {} · fast path: {} · Ho et al. 2020, "
    "*Denoising Diffusion Probabilistic Models*": "기본 모델: {} (처음 쓸 때 불러옴) · 장치: {} · 정밀도: {} · 빠른 "
    "경로: {} · Ho et al. 2020, *Denoising Diffusion Probabilistic Models*",
    "eager {} (OpenVINO is not installed)": "즉시 실행 {} (OpenVINO 미설치)",
    "OpenVINO, {} (prepared in the background; exact serves meanwhile)": "OpenVINO, {} (백그라운드에서 준비 중이며, "
    "그동안은 정확한 경로로 계산)",
    "{} autocast": "{} 자동 혼합 정밀도",
    "Error": "오류",
    # --- the presenter's bar ------------------------------------------------------------------------------------------
    "Link to this view": "이 화면의 링크",
    # --- Forward noising ---------------------------------------------------------------------------------------------
    "Noise schedule": "노이즈 스케줄",
    "Timestep t": "시점 t",
    "Drag or use the arrow keys: x_t moves along one path (ε stays fixed).": "끌거나 화살표 키를 쓰세요. ε을 고정한 채 "
    "x_t가 하나의 경로를 따라 움직입니다.",
    "New noise ε (reseed)": "새 노이즈 ε 뽑기 (시드 바꾸기)",
    "Filmstrip: the same image and ε at several t": "필름 띠: 같은 이미지와 같은 ε, 여러 시점 t",
    "**Filmstrip: the same image and ε at several t**": "**필름 띠: 같은 이미지와 같은 ε, 여러 시점 t**",
    "Resolution (px)": "해상도 (px)",
    "Colour": "색상",
    "ε (fixed; shown at ±3σ)": "ε (고정; ±3σ 범위로 표시)",
    "Model's x̂₀ from x_t": "x_t로부터 모델이 예측한 x̂₀",
    "Chain vs closed form: t small steps of Eq. 2 against one jump of Eq. 4": "사슬 대 닫힌 형태: 식 2의 작은 "
    "단계 t번과 식 4의 한 번 건너뛰기 비교",
    "Statistics (both residuals ≈ N(0, 1))": "통계 (두 잔차 모두 ≈ N(0, 1))",
    "Examples": "예시",
    "Bundled example": "내장 예시",
    "Public-domain / CC0 photos from scikit-image; MNIST digits; Noto Color Emoji (Apache-2.0).": "scikit-image의 "
    "퍼블릭 도메인 / CC0 사진, MNIST 숫자, 구글 노토 컬러 이모지(Apache-2.0)입니다.",
    "Upload": "올리기",
    "Your image": "내 이미지",
    "Draw a digit": "숫자 그리기",
    "Draw a digit (pick the brush)": "숫자 그리기 (붓을 고르세요)",
    "Pixels of x_t against N(0, 1)": "x_t의 픽셀 분포와 N(0, 1) 비교",
    "Run the chain to t": "시점 t까지 사슬 실행",
    "chain seed": "사슬 시드",
    "chain: t + 1 steps, fresh noise each": "사슬: t + 1단계, 단계마다 새 노이즈",
    "closed form: one step with ε": "닫힌 형태: ε으로 한 번에",
    "statistic": "통계량",
    "chain ({} steps)": "사슬 ({}단계)",
    "closed form (1 step)": "닫힌 형태 (1단계)",
    "theory": "이론값",
    "mean of x_t": "x_t의 평균",
    "std of x_t": "x_t의 표준편차",
    "mean of (x_t − √ᾱ_t x₀)/√(1−ᾱ_t)": "(x_t − √ᾱ_t x₀)/√(1−ᾱ_t)의 평균",
    "std of (x_t − √ᾱ_t x₀)/√(1−ᾱ_t)": "(x_t − √ᾱ_t x₀)/√(1−ᾱ_t)의 표준편차",
    "press “Run the chain to t” for this image": "이 이미지로 “시점 t까지 사슬 실행”을 누르세요",
    "The chain seed": "사슬 시드",
    "The x̂₀ prediction appears for images a model knows: pick a digit or emoji example, draw a digit, or start the "
    "app with a colour model (`python app.py --model emoji`) to ask it about your uploads.": (
        "x̂₀ 예측은 모델이 아는 이미지에서만 보입니다. 숫자나 이모지 예시를 고르거나 숫자를 직접 그리세요. 올린 "
        "이미지에 대해 물어보려면 컬러 모델(이모지)로 앱을 시작하세요."
    ),
    "pixels of x_t": "x_t의 픽셀",
    "No model to ask yet: {}.": "아직 물어볼 모델이 없습니다: {}.",
    "the default model is not available": "기본 모델을 쓸 수 없습니다",
    "not loaded yet": "아직 불러오지 않았습니다",
    "no model configured": "설정된 모델이 없습니다",
    "The network sees x_t at {} px on its own {} schedule (t = {}) and predicts x̂₀ = (x_t − √(1−ᾱ_t) ε_θ) / √ᾱ_t.": (
        "신경망은 자신의 {1} 스케줄에서 {0} px 크기의 x_t를 보고 (t = {2}) "
        "x̂₀ = (x_t − √(1−ᾱ_t) ε_θ) / √ᾱ_t를 예측합니다."
    ),
    "Astronaut": "우주비행사",
    "Cat (Chelsea)": "고양이 (Chelsea)",
    "Coffee": "커피",
    "Camera man": "카메라맨",
    **{f"Digit {d} (MNIST)": f"숫자 {d} (MNIST)" for d in range(10)},
    "Cat face (emoji)": "고양이 얼굴 (이모지)",
    "Apple (emoji)": "사과 (이모지)",
    "Rainbow (emoji)": "무지개 (이모지)",
    "Rocket (emoji)": "로켓 (이모지)",
    "Grayscale": "흑백",
    # --- Reverse sampling --------------------------------------------------------------------------------------------
    "Number of steps K": "스텝 수 K",
    "K < T walks a respaced chain that keeps the marginals ᾱ.": "K < T이면 주변 분포(ᾱ)를 유지하도록 간격을 다시 잡은 "
    "사슬을 따라갑니다.",
    "η (DDIM only: 0 deterministic, 1 = DDPM with β̃)": "η (DDIM 전용: 0이면 결정론적, 1이면 β̃를 쓰는 DDPM)",
    "Variance σ_t² (DDPM)": "분산 σ_t² (DDPM)",
    "Press “Run” to sample.": "샘플링하려면 “실행”을 누르세요.",
    "Replay the last run (frame)": "마지막 실행 다시 보기 (프레임)",
    "Start from an image (SDEdit: noise to t, then denoise)": "이미지에서 시작 (SDEdit: 시점 t까지 노이즈를 더한 뒤 "
    "노이즈 제거)",
    "Start from": "시작점",
    "Noise the image to t": "이미지에 노이즈를 더할 시점 t",
    "Model (folder or Hub id)": "모델 (폴더 또는 Hub id)",
    "Load model": "모델 불러오기",
    "Sampler": "샘플러",
    "Precision": "정밀도",
    "Clip x̂₀ to [-1, 1]": "x̂₀를 [-1, 1]로 자르기",
    "Seed": "시드",
    "Batch (grid)": "배치 (격자)",
    "Run": "실행",
    "Stop": "정지",
    "Model's x̂₀ at this step": "이 단계에서 모델이 예측한 x̂₀",
    "Final samples": "최종 샘플",
    "final sample": "최종 샘플",
    "{} · {} M parameters · {} · device {} · dtype {} · {} β, T = {}, trained variance {}": "{} · 매개변수 {} M개 · "
    "{} · 장치 {} · dtype {} · {} β, T = {}, 학습된 분산 {}",
    "**Estimated run time ≈ {}** for {} network calls (NFE: {} steps of {}) at batch {} (an estimate: one ε-network "
    "forward took {} ms).": "**예상 실행 시간 ≈ {0}**, 신경망 호출 {1}회 (NFE: {3} {2}스텝), 배치 {4} (추정치: ε "
    "신경망 한 번 계산에 {5} ms).",
    "Done: {} steps in {} s (first frame after {} s); {} frames kept for the replay.": "완료: {}스텝, {}초 (첫 "
    "프레임까지 {}초). 다시 보기용 프레임 {}개를 남겼습니다.",
    "Type a model folder or a Hugging Face Hub id first.": "먼저 모델 폴더나 Hugging Face Hub id를 입력하세요.",
    "Still using {}.": "계속 {}을(를) 씁니다.",
    "Replay: frame {}/{} · step {} · {}": "다시 보기: 프레임 {}/{} · 스텝 {} · {}",
    "Downloads: GIF, MP4 (x_t | x̂₀), PNG grid": "내려받기: GIF, MP4 (x_t | x̂₀), PNG 격자",
    "When does the picture commit?": "그림은 언제 정해질까?",
    "Sampler race": "샘플러 경주",
    "Upload a start image": "시작 이미지 올리기",
    "Start image": "시작 이미지",
    "Draw a start digit": "시작 숫자 그리기",
    "β̃_t, posterior (fixed_small)": "β̃_t, 사후 분포 분산 (fixed_small)",
    "exact (float32)": "정확 (float32)",
    "fast (the footer says what runs here)": "빠르게 (무엇으로 돌아가는지는 맨 아래에 표시)",
    "pure noise x_T": "순수한 노이즈 x_T",
    "an image noised to t (SDEdit)": "시점 t까지 노이즈를 더한 이미지 (SDEdit)",
    "0 (the image itself) … {} (≈ pure noise): this model has T = {}.": "0 (이미지 그대로) … {} (≈ 순수한 노이즈): 이 "
    "모델의 T = {}.",
    "The bundled model {} is not in this copy yet; pick a Hub id or type a model folder and press “Load model”.": (
        "내장 모델 {}이(가) 이 사본에는 아직 없습니다. Hub id를 고르거나 모델 폴더를 입력한 뒤 "
        "“모델 불러오기”를 누르세요."
    ),
    "Model {} loads when you press “Load model” or “Run”.": (
        "모델 {}은(는) “모델 불러오기”나 “실행”을 누르면 불러옵니다."
    ),
    "Default for this model: {}": "이 모델의 기본 설정: {}",
    "Measured on this checkpoint (benchmarks/sample_quality.py, N = {}, quality.csv): {} scores FD {}, {}; real digits "
    "score {}; the fewest network calls among the settings within {}% of the best.": "이 체크포인트에서 측정했습니다 "
    "(benchmarks/sample_quality.py, N = {}, quality.csv): {}의 FD는 {}로 {}입니다 (실제 숫자 이미지는 {}). 최고 값과 "
    "{}% 이내인 설정 가운데 신경망 호출이 가장 적습니다.",
    "Measured on this checkpoint (benchmarks/sample_quality.py, N = {}, quality.csv): {} scores FD {}, {}; the fewest "
    "network calls among the settings within {}% of the best.": "이 체크포인트에서 측정했습니다 "
    "(benchmarks/sample_quality.py, N = {}, quality.csv): {}의 FD는 {}로 {}입니다. 최고 값과 {}% 이내인 설정 "
    "가운데 신경망 호출이 가장 적습니다.",
    "the best in the table": "표에서 가장 좋은 값",
    "against the best {}": "최고 값 {}에 못 미치는 값",
    "No measurement ships with this checkpoint: DPM-Solver++(2M) with 20 network calls, the published leader per call "
    "on the DDPM checkpoints (DDIM paper Table 1; Lu et al. 2022), instead of few-step ancestral DDPM.": "이 "
    "체크포인트에는 측정값이 없습니다. 그래서 적은 스텝의 조상 샘플링 DDPM 대신, DDPM 체크포인트에서 호출 수 대비 "
    "가장 좋다고 발표된 DPM-Solver++(2M) 20회 호출을 씁니다 (DDIM 논문 표 1; Lu et al. 2022).",
    "**DDPM** (Algorithm 2): ancestral sampling, fresh noise at every step; the chain the model was trained for, at "
    "its best with hundreds of steps.": "**DDPM** (알고리즘 2): 조상 샘플링으로, 스텝마다 새 노이즈를 뽑습니다. 모델이 "
    "학습한 바로 그 사슬이며, 수백 스텝에서 가장 좋습니다.",
    "**DDIM**: with η = 0 a deterministic first-order solver of the probability-flow ODE (the same x_T always gives "
    "the same picture); η = 1 brings back DDPM's noise.": "**DDIM**: η = 0이면 확률 흐름 ODE를 푸는 결정론적 1차 "
    "솔버입니다 (같은 x_T는 언제나 같은 그림). η = 1이면 DDPM의 노이즈가 돌아옵니다.",
    "**DPM-Solver++(2M)**: a second-order multistep solver of the same ODE in log-SNR time, reusing the previous "
    "step's x̂₀ instead of an extra network call; deterministic, good in 10–20 calls.": "**DPM-Solver++(2M)**: 같은 "
    "ODE를 log-SNR 시간에서 푸는 2차 다단계 솔버로, 신경망을 한 번 더 부르는 대신 이전 스텝의 x̂₀를 다시 씁니다. "
    "결정론적이며 10–20회 호출이면 충분합니다.",
    "**SDE-DPM-Solver++(2M)**: the second-order step of DPM-Solver++(2M) with fresh noise at every step (it solves "
    "the reverse SDE, not the ODE): stochastic like DDPM, so it usually needs more steps.": "**SDE-DPM-Solver++(2M)**: "
    "DPM-Solver++(2M)의 2차 스텝에 스텝마다 새 노이즈를 더합니다 (ODE가 아니라 역방향 SDE를 풉니다). DDPM처럼 "
    "확률적이라 보통 스텝이 더 필요합니다.",
    "**UniPC** (bh2): a predictor–corrector multistep ODE solver; each network call also corrects the step before it, "
    "for free; deterministic, aimed at 5–10 calls.": "**UniPC** (bh2): 예측–보정 다단계 ODE 솔버로, 신경망을 부를 "
    "때마다 바로 앞 스텝도 공짜로 보정합니다. 결정론적이며 5–10회 호출을 목표로 합니다.",
    "Each sampler here costs one network call (NFE) per step; diffusers runs the three solvers without clipping x̂₀.": (
        "여기의 모든 샘플러는 스텝마다 신경망을 한 번 부릅니다 (NFE). diffusers는 세 솔버를 x̂₀ 자르기 없이 실행합니다."
    ),
    # --- Sampler race ------------------------------------------------------------------------------------------------
    "All contenders start from **the same x_T** (the seed's) and use **trailing timestep spacing**, so every sampler's "
    "first step is at t = T − 1, without clipping x̂₀: the deterministic ones (DDIM η = 0, DPM-Solver++(2M), UniPC) "
    "then solve the same probability-flow ODE. The reference is that ODE solved accurately (UniPC-100, computed "
    "first); each column shows x_t (top) and x̂₀ (bottom), its network calls (NFE), its compute time and the RMS "
    "distance (in [-1, 1] units) of its x̂₀ from the reference.": "모든 참가자는 **같은 x_T**(시드로 정해짐)에서 "
    "출발하고 **trailing 시점 간격**을 써서, 모든 샘플러의 첫 단계가 t = T − 1에서 x̂₀ 자르기 없이 시작합니다. 그래서 "
    "결정론적 샘플러(DDIM η = 0, DPM-Solver++(2M), UniPC)는 모두 같은 확률 흐름 ODE를 풉니다. 기준은 그 ODE를 정확히 "
    "푼 결과(UniPC-100, 가장 먼저 계산)입니다. 각 열에는 x_t(위)와 x̂₀(아래), 신경망 호출 수(NFE), 계산 시간, "
    "그리고 기준과의 x̂₀ RMS 거리([-1, 1] 단위)가 나옵니다.",
    "Press “Start the race”.": "“경주 시작”을 누르세요.",
    "— (no contender)": "— (참가자 없음)",
    "The bundled model: quality per network call (measured)": "내장 모델: 신경망 호출 수에 따른 품질 (측정값)",
    "The bundled model: no measurements yet": "내장 모델: 아직 측정값 없음",
    "No measurements to show: `checkpoints/ddpm-mnist/quality.csv` {}; `python -m benchmarks.sample_quality --sweep "
    "--csv checkpoints/ddpm-mnist/quality.csv` makes it.": "보여 줄 측정값이 없습니다: "
    "`checkpoints/ddpm-mnist/quality.csv` {}. `python -m benchmarks.sample_quality --sweep --csv "
    "checkpoints/ddpm-mnist/quality.csv`로 만들 수 있습니다.",
    "is not there yet": "파일이 아직 없습니다",
    "could not be read ({})": "파일을 읽지 못했습니다 ({})",
    "Done in {} s (the reference took {} s, reused while model, precision, seed and batch stay the same).": (
        "완료: {}초 (기준 계산은 {}초였고, 모델·정밀도·시드·배치가 같으면 다시 씁니다)."
    ),
    "Measured here on the bundled model (`checkpoints/ddpm-mnist/quality.csv`, `benchmarks/sample_quality.py`): "
    "Fréchet distance in the MNIST judge's features, lower is better; the flat line is real digits against real "
    "digits. Both axes log₁₀; hover for the values.": "내장 모델로 여기서 잰 값입니다 "
    "(`checkpoints/ddpm-mnist/quality.csv`, `benchmarks/sample_quality.py`): MNIST 판정기의 특징 공간에서 잰 프레셰 "
    "거리(FD)로, 낮을수록 좋습니다. 수평선은 실제 숫자 이미지끼리 잰 값입니다. 두 축 모두 log₁₀이며, 마우스를 올리면 "
    "값이 보입니다.",
    "Published CIFAR-10 FID (50k samples), **not measured here**. Sources: {}. The DPM-Solver and UniPC points (†) "
    "are their abstracts' best settings on their own pretrained CIFAR-10 models, not the DDIM paper's: compare "
    "shapes, not decimals.": "논문에 발표된 CIFAR-10 FID (샘플 5만 개)이며, **여기서 잰 값이 아닙니다**. 출처: {}. "
    "DPM-Solver와 UniPC의 점(†)은 각 논문 초록에 나온 최고 설정으로, DDIM 논문의 모델이 아니라 각자 사전 학습한 "
    "CIFAR-10 모델의 값입니다. 소수점이 아니라 곡선의 모양을 비교하세요.",
    "Start the race": "경주 시작",
    "Result": "결과",
    "Batch": "배치",
    "steps": "스텝 수",
    **{f"Contender {i}": f"참가자 {i}" for i in range(1, 5)},
    "Distance of x̂₀ from the reference, per network call": "신경망 호출 수에 따른 기준과 x̂₀의 거리",
    "Finals side by side, and the reference": "최종 결과 나란히 보기, 그리고 기준",
    "CIFAR-10 FID per network call — published, not measured here": "신경망 호출 수에 따른 CIFAR-10 FID — 논문 "
    "수치이며 여기서 잰 값이 아님",
    "A race needs 2 to {} contenders; {} chosen.": "경주에는 참가자가 2~{}명 필요합니다 (지금 {}명).",
    "Solving the reference first: {} (trailing, no clipping), step {}/{} · {} s": "먼저 기준을 계산하는 중: {} "
    "(trailing 간격, x̂₀ 자르기 없음), 스텝 {}/{} · {}초",
    "Starting the race…": "경주를 시작합니다…",
    "waiting": "대기 중",
    "Racing: {}": "경주 중: {}",
    "stochastic: no reference distance": "확률적: 기준과의 거리 없음",
    "RMS to ref {}": "기준과의 RMS 거리 {}",
    "⏹ Stopped while solving the reference, before the contenders started.": "⏹ 기준을 계산하는 중에, 참가자가 "
    "출발하기 전에 멈췄습니다.",
    "⏹ Stopped: {}.": "⏹ 멈춤: {}.",
    "{} at NFE {}/{}": "{} (NFE {}/{})",
    # the results table: column names and text cells
    "sampler": "샘플러",
    "seconds": "초",
    "RMS distance to reference": "기준과의 RMS 거리",
    "stochastic": "확률적",
    # --- When does the picture commit? -------------------------------------------------------------------------------
    "For the last run (finished or stopped): how far each image's x̂₀ at every kept step is from where the run ended "
    "(RMS over pixels, in [-1, 1] units), and — for a 32×32 digit model — which digit the project's MNIST judge reads "
    "in that x̂₀. Click an image in the grid, or type its number (0 = top left).": "마지막 실행(끝났거나 멈춘 것)에서, "
    "저장된 각 단계의 x̂₀가 최종 결과와 얼마나 떨어져 있는지(픽셀 RMS, [-1, 1] 단위), 그리고 32×32 숫자 모델이라면 "
    "이 프로젝트의 MNIST 판정기가 그 x̂₀를 어떤 숫자로 읽는지 보여 줍니다. 격자에서 이미지를 누르거나 번호를 "
    "입력하세요 (0 = 왼쪽 위).",
    "Run the sampler first (“Run” above): this view reads the last run's kept steps.": "먼저 샘플러를 실행하세요 (위의 "
    "“실행”). 이 화면은 마지막 실행에서 저장된 단계를 읽습니다.",
    "The last run's samples (click one)": "마지막 실행의 샘플 (하나를 누르세요)",
    "Image # (0 = top left)": "이미지 번호 (0 = 왼쪽 위)",
    "The picked image's x̂₀ along the run (t: the digit the judge reads, how sure)": (
        "고른 이미지의 x̂₀ 변화 (t: 판정기가 읽은 숫자, 확신도)"
    ),
    "RMS distance of x̂₀ from the final sample": "최종 샘플과 x̂₀의 RMS 거리",
    "The judge's digit probabilities of x̂₀": "판정기가 본 x̂₀의 숫자별 확률",
    "Run the sampler first: there is no grid to pick an image from.": "먼저 샘플러를 실행하세요. 아직 이미지를 고를 "
    "격자가 없습니다.",
    "end": "끝",
    "step {} ({})": "스텝 {} ({})",
    "**Image {}** of {}: its x̂₀ stays within {} RMS of the end from {} on (of {} steps).": "**이미지 {0}** (전체 "
    "{1}개): {3}부터 x̂₀가 최종 결과와 RMS {2} 이내로 머뭅니다 (전체 {4}스텝).",
    "The judge reads a **{}** ({}) at the end, and has read a {} since {}.": "판정기는 마지막에 **{0}**(으)로 "
    "읽으며 ({1}), {3}부터 줄곧 {2}(으)로 읽었습니다.",
    "Across the batch, x̂₀ commits at step {} (median; {}–{}).": "배치 전체로 보면 x̂₀는 스텝 {}에서 정해집니다 "
    "(중앙값; {}–{}).",
    "The digit judge reads 1-channel 32×32 digits; this model makes {}×{}×{} images.": "숫자 판정기는 1채널 32×32 "
    "숫자만 읽습니다. 이 모델은 {}×{}×{} 이미지를 만듭니다.",
    "The digit judge's weights are missing (checkpoints/mnist-classifier/model.safetensors).": "숫자 판정기의 "
    "가중치가 없습니다 (checkpoints/mnist-classifier/model.safetensors).",
    # --- Schedule explorer -------------------------------------------------------------------------------------------
    "Schedules": "스케줄",
    "cosine s": "코사인 s",
    "Key numbers": "주요 수치",
    "ᾱ_t (signal variance kept)": "ᾱ_t (남아 있는 신호의 분산)",
    "√ᾱ_t (dark) and √(1−ᾱ_t) (light)": "√ᾱ_t (진한 선)와 √(1−ᾱ_t) (옅은 선)",
    "log₁₀ β̃_t (dark) vs log₁₀ β_t (light)": "log₁₀ β̃_t (진한 선)와 log₁₀ β_t (옅은 선)",
    "two lines per schedule: dark √ᾱ_t and β̃_t, light √(1−ᾱ_t) and β_t": "스케줄마다 선 두 개: 진한 선은 √ᾱ_t와 "
    "β̃_t, 옅은 선은 √(1−ᾱ_t)와 β_t",
    "Sampler steps K": "샘플러 스텝 수 K",
    "Timestep spacing": "시점 간격",
    "CSV of every table (all t)": "모든 표의 CSV (모든 t)",
    "Strip image": "띠에 쓸 이미지",
    "Respaced chain": "간격을 다시 잡은 사슬",
    "One image, one ε, each schedule at the same t (cosine keeps the picture longer)": "하나의 이미지, 하나의 ε, 같은 "
    "시점 t에서 스케줄별 비교 (코사인 스케줄이 그림을 더 오래 남깁니다)",
    "**One image, one ε, each schedule at the same t (cosine keeps the picture longer)**": "**하나의 이미지, 하나의 ε, "
    "같은 시점 t에서 스케줄별 비교 (코사인 스케줄이 그림을 더 오래 남깁니다)**",
    r"**Respacing.** A sampler with $K$ steps walks the kept timesteps $t_k$ with "
    r"$\beta'_k = 1 - \bar\alpha_{t_k} / \bar\alpha_{t_{k-1}}$, so every kept marginal is unchanged.": r"**간격 다시 "
    r"잡기.** $K$단계 샘플러는 남겨 둔 시점 $t_k$를 $\beta'_k = 1 - \bar\alpha_{t_k} / \bar\alpha_{t_{k-1}}$로 "
    r"따라가므로, 남겨 둔 시점의 주변 분포는 그대로입니다.",
    "{} schedule(s), T = {}. Hover a curve for exact values.": "스케줄 {}개, T = {}. 곡선 위에 마우스를 올리면 정확한 "
    "값이 보입니다.",
    "Pick at least one schedule to plot.": "그릴 스케줄을 하나 이상 고르세요.",
    "Fill in T, β_start, β_end and s.": "T, β_start, β_end, s를 채우세요.",
    "The cosine offset s": "코사인 오프셋 s",
    "The number of sampler steps K": "샘플러 스텝 수 K",
    # the "Key numbers" and "Respaced chain" tables: column names and text cells
    "schedule": "스케줄",
    "ᾱ at T−1": "T−1에서의 ᾱ",
    "SNR at T−1 (dB)": "T−1에서의 SNR (dB)",
    "t where SNR = 1": "SNR = 1이 되는 t",
    "mean β": "β의 평균",
    "never": "없음",
    "β at t_k": "t_k에서의 β",
    # --- 2D lab -------------------------------------------------------------------------------------------------------
    "Data": "데이터",
    "Training points N": "학습 점 개수 N",
    "Draw your own data": "직접 데이터 그리기",
    "Draw a shape": "모양 그리기",
    "Use my drawing": "내 그림 쓰기",
    "Stochastic sampler": "확률적 샘플러",
    "Probability-flow ODE solver": "확률 흐름 ODE 솔버",
    "Denoiser": "노이즈 예측기",
    "Steps K": "스텝 수 K",
    "Particles": "입자 수",
    "Seed of x_T": "x_T의 시드",
    "Run the reverse process": "역방향 과정 실행",
    "Training steps": "학습 스텝 수",
    "Train ε_θ": "ε_θ 학습",
    "Sample with both": "둘 다로 샘플링",
    "Replay": "다시 보기",
    "Arrows": "화살표",
    "Training loss (L_simple)": "학습 손실 (L_simple)",
    "Error of ε_θ over t, at x_t ~ q(x_t)": "시점 t에 따른 ε_θ의 오차, x_t ~ q(x_t)에서",
    "### The reverse process: stochastic paths beside probability-flow ODE paths": (
        "### 역방향 과정: 확률적 경로와 확률 흐름 ODE 경로 비교"
    ),
    "### Learned vs ideal": "### 학습한 것과 이상적인 것",
    r"In two dimensions the noised data is a mixture of Gaussians, $q(x_t) = \frac1N \sum_i "
    r"\mathcal N(\sqrt{\bar\alpha_t}\,x_i, (1-\bar\alpha_t) I)$, so the best possible denoiser is exact: "
    r"$\varepsilon^*(x_t, t) = (x_t - \sqrt{\bar\alpha_t}\,\mathbb E[x_0 \mid x_t]) / \sqrt{1-\bar\alpha_t}$ "
    r"(Tweedie), a softmax-weighted sum over the data.": r"2차원에서는 노이즈가 더해진 데이터가 가우시안 혼합 "
    r"$q(x_t) = \frac1N \sum_i \mathcal N(\sqrt{\bar\alpha_t}\,x_i, (1-\bar\alpha_t) I)$ 이므로, 가장 좋은 노이즈 "
    r"예측기를 정확히 계산할 수 있습니다: $\varepsilon^*(x_t, t) = (x_t - \sqrt{\bar\alpha_t}\,\mathbb E[x_0 \mid "
    r"x_t]) / \sqrt{1-\bar\alpha_t}$ (Tweedie 공식), 즉 데이터 점들에 대한 softmax 가중합입니다.",
    "two moons": "두 개의 반달",
    "swiss roll": "스위스 롤",
    "eight gaussians": "가우시안 8개",
    "checkerboard": "체커보드",
    "ring": "고리",
    "my drawing": "내 그림",
    "exact −ε*": "정확한 −ε*",
    "learned −ε_θ": "학습한 −ε_θ",
    "difference ε_θ − ε*": "차이 ε_θ − ε*",
    "DDPM (ancestral)": "DDPM (조상 샘플링)",
    "exact ε* (ideal)": "정확한 ε* (이상적)",
    "learned ε_θ (MLP)": "학습한 ε_θ (MLP)",
    "Draw a shape in the box first, then press “Use my drawing”.": "먼저 상자 안에 모양을 그린 뒤 “내 그림 쓰기”를 "
    "누르세요.",
    "Pick a dataset (or draw one) first.": "먼저 데이터셋을 고르거나 직접 그리세요.",
    "Train the network first (“Train ε_θ”), or pick the exact ε*.": "먼저 신경망을 학습하거나(“ε_θ 학습”) 정확한 ε*를 "
    "고르세요.",
    "The network was trained on {}; train it again on {}.": (
        "신경망은 {} 데이터로 학습되었습니다. {} 데이터로 다시 학습하세요."
    ),
    "Run the reverse process first; the replay shows its frames.": "먼저 역방향 과정을 실행하세요. 다시 보기는 그 "
    "프레임을 보여 줍니다.",
    "The drawing has no ink: draw a shape first.": "그림이 비어 있습니다. 먼저 모양을 그리세요.",
    "Training on {}: step {}/{}, loss {}, {} s": "{} 데이터로 학습 중: 스텝 {}/{}, 손실 {}, {}초",
    "Trained on {}: {} steps in {} s, final loss {}. Now pick “learned” or “difference” above, or sample with both "
    "below.": "{} 데이터로 학습 완료: {}스텝, {}초, 최종 손실 {}. 이제 위에서 “학습한” 또는 “차이”를 고르거나, "
    "아래에서 둘 다로 샘플링하세요.",
    "Replay: step {}": "다시 보기: 스텝 {}",
    "Step {}/{} …": "스텝 {}/{} …",
    "exact ε*": "정확한 ε*",
    "learned ε_θ": "학습한 ε_θ",
    "fresh data": "새 데이터",
    "x_T (noise)": "x_T (노이즈)",
    "Mean distance from each of {} samples ({}, {} steps) to its nearest training point:": "샘플 {}개 ({}, {}스텝) "
    "각각에서 가장 가까운 학습 점까지의 평균 거리:",
    "The exact ideal denoiser is the best possible ε for *these* points: it brings every sample back onto a training "
    "point (distance ≈ 0: it memorises). The network is smoother than ε*; its samples fill the shape between the "
    "points, as fresh data does: compare its distance with fresh data's.": "정확한 이상적 노이즈 예측기는 *바로 이* "
    "점들에 대해 가능한 가장 좋은 ε입니다. 그래서 모든 샘플을 학습 점 위로 되돌려 놓습니다 (거리 ≈ 0: 외워 "
    "버립니다). 신경망은 ε*보다 매끄러워서, 새 데이터처럼 점들 사이의 모양을 채웁니다. 신경망의 거리를 새 데이터의 "
    "거리와 비교해 보세요.",
    "{} particles, {} steps, {}: the stochastic paths jitter, the ODE paths are smooth curves; both start from the "
    "same x_T. Mean distance to the nearest training point: {} {}, {} {}.": "입자 {}개, {}스텝, {}: 확률적 경로는 "
    "흔들리고 ODE 경로는 매끄러운 곡선을 그립니다. 둘 다 같은 x_T에서 출발합니다. 가장 가까운 학습 점까지의 평균 "
    "거리: {} {}, {} {}.",
    "The noised cloud at t": "시점 t에서 노이즈가 더해진 점 구름",
    "ODE solver": "ODE 솔버",
    "Samples of the exact ε*": "정확한 ε*로 만든 샘플",
    "Samples of ε_θ": "ε_θ로 만든 샘플",
    "{} · {} points · seed {}": "{} · 점 {}개 · 시드 {}",
    "your drawing · {} points": "내 그림 · 점 {}개",
    "**{}** at t = {}: orange = the noised cloud x_t = √ᾱ_t x_0 + √(1−ᾱ_t) ε (one fixed ε per point), green = {} "
    "points' forward paths along the chain q(x_t | x_(t−1)); {}; arrows: {} (−ε* = σ_t ∇log q(x_t)), length scaled "
    "per frame, one cell = {}.": "**{}**, t = {}: 주황색 = 노이즈가 더해진 점 구름 x_t = √ᾱ_t x_0 + √(1−ᾱ_t) ε "
    "(점마다 고정된 ε 하나), 초록색 = 점 {}개가 사슬 q(x_t | x_(t−1))을 따라가는 순방향 경로; {}; 화살표: {} "
    "(−ε* = σ_t ∇log q(x_t)), 길이는 프레임마다 맞춤, 한 칸 = {}.",
    "heat: |ε_θ − ε*| from 0 (black) to {} (yellow)": "색: |ε_θ − ε*|, 0 (검정)부터 {} (노랑)까지",
    "heat: log q(x_t), {} nats below its peak (white) to the peak (dark blue)": "색: log q(x_t), 최댓값보다 {} nat "
    "낮은 곳 (흰색)부터 최댓값 (진한 파랑)까지",
    # --- sentences about values (ddpm.checks, ui.inputs): {} is a component's name, a range, a value ----------------
    "{} must be a number; got {}.": "{}: 숫자를 넣어야 합니다 (받은 값: {}).",
    "{} must be a finite number; got {}.": "{}: 유한한 숫자를 넣어야 합니다 (받은 값: {}).",
    "{} must be true or false; got {}.": "{}: 참 또는 거짓만 넣을 수 있습니다 (받은 값: {}).",
    "{} must be one of {}; got {}.": "{}: 다음 중 하나만 고를 수 있습니다: {} (받은 값: {}).",
    "{} must be a list of choices; got {}.": "{}: 선택지의 목록이어야 합니다 (받은 값: {}).",
    "{} must be an image file or a data: URL; got {}.": "{}: 이미지 파일이나 data: URL이어야 합니다 (받은 값: {}).",
    "{} must be {}; got {}.": "{}: {}만 넣을 수 있습니다 (받은 값: {}).",
    "a whole number": "정수",
    "a whole number from {} to {}": "{}~{} 범위의 정수",
    "a whole number of at least {}": "{} 이상의 정수",
    "a whole number of at most {}": "{} 이하의 정수",
    "between {} and {}": "{}~{} 범위의 수",
    "at least {}": "{} 이상의 수",
    "at most {}": "{} 이하의 수",
    "This value": "이 값",
    "The number of steps": "스텝 수",
    "The number of steps (this model has T = {})": "스텝 수 (이 모델의 T = {})",
    "The batch size": "배치 크기",
    "The race's batch size": "경주의 배치 크기",
    "The steps of contender {} (this model has T = {})": "참가자 {}의 스텝 수 (이 모델의 T = {})",
    "The start t of SDEdit (this model has T = {})": "SDEdit의 시작 시점 t (이 모델의 T = {})",
    "Clip x̂₀": "x̂₀ 자르기",
    "The colour mode": "색상 모드",
    "The resolution (px)": "해상도 (px)",
    "No digit judge here.": "여기에는 숫자 판정기가 없습니다.",
    "The seed": "시드",
    "An uploaded image": "올린 이미지",
    "A drawing": "그림",
    "No image came with the request.": "요청에 이미지가 없습니다.",
    "The image's data: URL is not valid base64.": "이미지의 data: URL이 올바른 base64가 아닙니다.",
    "This image has far too many pixels to open safely; make it smaller and try again.": "이 이미지는 픽셀이 너무 많아 "
    "안전하게 열 수 없습니다. 크기를 줄여 다시 시도하세요.",
    "There is no image yet: upload one, pick an example or draw a digit.": "아직 이미지가 없습니다. 이미지를 올리거나, "
    "예시를 고르거나, 숫자를 그리세요.",
    "This page's session has expired on the server: reload the page to start again.": "서버에서 이 페이지의 세션이 "
    "만료되었습니다. 페이지를 새로 고쳐 다시 시작하세요.",
    "Upload or draw an image to start from, or start from pure noise.": "시작할 이미지를 올리거나 그리세요. 아니면 "
    "순수한 노이즈에서 시작하세요.",
    "There is nothing to replay yet: run the sampler first.": "아직 다시 볼 것이 없습니다. 먼저 샘플러를 실행하세요.",
    "Unknown schedule {}; choose one of {}.": "알 수 없는 스케줄 {}입니다. 다음 중에서 고르세요: {}.",
    "The number of sampling steps must be between 1 and {}; got {}.": "샘플링 스텝 수는 1에서 {} 사이여야 합니다. "
    "받은 값: {}.",
    "SDEdit starts at a timestep from 0 to {} for this model; got {}.": "이 모델에서 SDEdit은 시점 0부터 {} 사이에서 "
    "시작합니다. 받은 값: {}.",
    "Need 0 < β_start < β_end < 1; got β_start={}, β_end={}.": "0 < β_start < β_end < 1 이어야 합니다. 받은 값: "
    "β_start={}, β_end={}.",
    "There is no model folder at {}.": "{}에 모델 폴더가 없습니다.",
    "A model is named by a folder or a Hub id like 'google/ddpm-cifar10-32'.": "모델은 폴더나 'google/ddpm-cifar10-32' "
    "같은 Hub id로 지정합니다.",
    "This public server loads only its listed models: the bundled one, the folders its operator named with "
    "--model-dir{}. Pick one from the list.": "이 공개 서버는 목록에 있는 모델만 불러옵니다: 내장 모델과 운영자가 "
    "--model-dir로 지정한 폴더{}. 목록에서 고르세요.",
    " and models on the Hugging Face Hub": ", 그리고 Hugging Face Hub의 모델",
    # --- ddpm's sentences a user can meet: loading a model (hub, config), the device, images, recordings ---------
    "The model in {} is too large for this machine: {} M parameters ({} as float32) and ≈ {} of activations per "
    "image, where this machine allows {} and {}; it was refused before anything was allocated.": "{}의 모델은 이 "
    "컴퓨터에 너무 큽니다: 매개변수 {} M개 (float32로 {}), 이미지 한 장에 활성값 ≈ {}. 이 컴퓨터의 한도는 {}와(과) "
    "{}입니다. 아무것도 할당하기 전에 거절했습니다.",
    "{} is neither a model folder nor a Hugging Face Hub id like 'google/ddpm-cifar10-32'.": "{}은(는) 모델 폴더도 "
    "아니고 'google/ddpm-cifar10-32' 같은 Hugging Face Hub id도 아닙니다.",
    "{} is gated: accept its terms on the Hub and log in with `hf auth login`.": "{}은(는) 접근이 제한된 모델입니다. "
    "Hub에서 이용 약관에 동의하고 `hf auth login`으로 로그인하세요.",
    "There is no model {} on the Hugging Face Hub (or it is private and you are not logged in).": "Hugging Face Hub에 "
    "{} 모델이 없습니다 (또는 비공개 모델인데 로그인하지 않았습니다).",
    "{} has no revision {}.": "{}에는 {} 리비전이 없습니다.",
    "{} is not a local folder, and as a Hub id it is not in the local Hugging Face cache while the Hub cannot be "
    "reached (offline): connect once to download it, or choose a local folder.": "{}은(는) 이 컴퓨터의 폴더가 "
    "아니고, Hub id로서도 로컬 Hugging Face 캐시에 없는데 Hub에 연결할 수 없습니다 (오프라인). 한 번 연결해서 "
    "내려받거나, 로컬 폴더를 고르세요.",
    "Could not download {} from the Hugging Face Hub: {}": "Hugging Face Hub에서 {}을(를) 내려받지 못했습니다: {}",
    "{} holds no UNet config (expected unet/config.json or config.json).": "{}에 UNet 설정이 없습니다 "
    "(unet/config.json 또는 config.json이 있어야 합니다).",
    "{} in {} is larger than {} MB.": "{}의 {}이(가) {} MB보다 큽니다.",
    "Could not read {} in {}: {}.": "{1}의 {0}을(를) 읽지 못했습니다: {2}.",
    "{} is not a JSON object.": "{}은(는) JSON 객체가 아닙니다.",
    "The weights file {} is damaged or incomplete ({}); delete it and download it again.": "가중치 파일 {}이(가) "
    "손상되었거나 불완전합니다 ({}). 지우고 다시 내려받으세요.",
    "Refusing or unable to load {}: it is not a plain tensor file ({}).": "{}을(를) 불러올 수 없거나 거부했습니다. "
    "순수한 텐서 파일이 아닙니다 ({}).",
    f"{{}} has no {WEIGHTS_SAFETENSORS} or {WEIGHTS_BIN}.": f"{{}}에 {WEIGHTS_SAFETENSORS} 또는 {WEIGHTS_BIN}이(가) "
    "없습니다.",
    "The weights file {} is far larger than the network in config.json needs.": "가중치 파일 {}이(가) config.json의 "
    "신경망에 필요한 것보다 훨씬 큽니다.",
    "The weights in {} do not fit config.json: {}.": "{}의 가중치가 config.json과 맞지 않습니다: {}.",
    "Could not read the model {}: {}.": "모델 {}을(를) 읽지 못했습니다: {}.",
    "prediction_type={} is not supported yet; only 'epsilon'.": "prediction_type={}은(는) 아직 지원하지 않습니다. "
    "'epsilon'만 됩니다.",
    "The scheduler config of {} is not supported: {}": "{}의 스케줄러 설정은 지원하지 않습니다: {}",
    "The sampling defaults of this model are not usable: {}": "이 모델의 샘플링 기본 설정을 쓸 수 없습니다: {}",
    "beta_schedule {} is not supported; use one of {}.": "beta_schedule {}은(는) 지원하지 않습니다. 다음 중 하나를 "
    "쓰세요: {}.",
    "trained_betas must be a list of 2 to {} numbers.": "trained_betas는 숫자 2~{}개의 목록이어야 합니다.",
    "Unsupported UNet config: {}={} ({}).": "지원하지 않는 UNet 설정: {}={} ({}).",
    "Every β_t must lie strictly between 0 and 1; got min {}, max {}.": "모든 β_t는 0과 1 사이(양끝 제외)에 있어야 "
    "합니다. 받은 값: 최솟값 {}, 최댓값 {}.",
    "The cosine schedule takes s and max_beta, not {}.": "코사인 스케줄은 s와 max_beta만 받습니다 ({}은(는) 안 "
    "됩니다).",
    "Cosine schedule needs s ≥ 0 and 0 < max_beta < 1; got s={}, max_beta={}.": "코사인 스케줄에는 s ≥ 0, 0 < "
    "max_beta < 1 이 필요합니다. 받은 값: s={}, max_beta={}.",
    "The {} schedule takes beta_start and beta_end, not {}.": "{} 스케줄은 beta_start와 beta_end만 받습니다 "
    "({}은(는) 안 됩니다).",
    "Respacing needs at least one timestep, all within 0…{}.": "간격을 다시 잡으려면 0…{} 범위의 시점이 하나 이상 "
    "있어야 합니다.",
    f"{SAMPLING_DEFAULTS_FILE}: 'why' must be a sentence of at most 1000 characters.": f"{SAMPLING_DEFAULTS_FILE}: "
    "'why'는 1000자 이하의 문장이어야 합니다.",
    f"{SAMPLING_DEFAULTS_FILE} is larger than {{}} kB.": f"{SAMPLING_DEFAULTS_FILE}이(가) {{}} kB보다 큽니다.",
    f"Could not read {SAMPLING_DEFAULTS_FILE} as JSON.": f"{SAMPLING_DEFAULTS_FILE}을(를) JSON으로 읽지 못했습니다.",
    f"{SAMPLING_DEFAULTS_FILE} must hold a JSON object.": f"{SAMPLING_DEFAULTS_FILE}에는 JSON 객체가 있어야 합니다.",
    f"{SAMPLING_DEFAULTS_FILE} may set only {{}} and why.": f"{SAMPLING_DEFAULTS_FILE}은(는) {{}}와(과) why만 정할 수 "
    "있습니다.",
    "Unknown device {}; use cpu, cuda or mps.": "알 수 없는 장치 {}입니다. cpu, cuda, mps 중 하나를 쓰세요.",
    "CUDA was asked for, but this machine has no usable CUDA GPU.": "CUDA를 요청했지만 이 컴퓨터에는 쓸 수 있는 "
    "CUDA GPU가 없습니다.",
    "MPS was asked for, but this machine has no usable Apple GPU.": "MPS를 요청했지만 이 컴퓨터에는 쓸 수 있는 "
    "Apple GPU가 없습니다.",
    "Unsupported device {}; use cpu, cuda or mps.": "지원하지 않는 장치 {}입니다. cpu, cuda, mps 중 하나를 쓰세요.",
    "Unsupported dtype {}; use float32, bfloat16 or float16.": "지원하지 않는 dtype {}입니다. float32, bfloat16, "
    "float16 중 하나를 쓰세요.",
    "float16 is not a fast path on the CPU; use bfloat16 there.": "CPU에서는 float16이 빠른 경로가 아닙니다. CPU에서는 "
    "bfloat16을 쓰세요.",
    "{}: recording format {}, this version reads {}.": "{}: 녹화 형식이 {}인데, 이 버전은 {} 형식을 읽습니다.",
    "{}: the recording's frames are missing ({} files).": "{}: 녹화의 프레임 파일이 없습니다 ({}개).",
    "{}: not a readable recording ({}: {}).": "{}: 읽을 수 있는 녹화가 아닙니다 ({}: {}).",
    "{} is not a folder of recorded scenes.": "{}은(는) 녹화된 장면의 폴더가 아닙니다.",
    "Unknown {} {}; choose one of {}.": "알 수 없는 {} {}입니다. 다음 중에서 고르세요: {}.",
    "variance type": "분산 종류",
    "timestep spacing": "시점 간격",
    "The clip range must be positive; got {}.": "자르기 범위는 양수여야 합니다. 받은 값: {}.",
    "clip_sample must be True or False; got {}.": "clip_sample은 True 또는 False여야 합니다. 받은 값: {}.",
    "Unknown sampling option {}; the options are {}.": "알 수 없는 샘플링 옵션 {}입니다. 옵션은 다음과 같습니다: {}.",
    "The multistep solvers take between 1 and {} steps with {} spacing; got {}.": "다단계 솔버는 {1} 간격에서 1~{0} "
    "스텝을 받습니다. 받은 값: {2}.",
    "The batch size must be at least 1; got {}.": "배치 크기는 1 이상이어야 합니다. 받은 값: {}.",
    "SDEdit needs at least one step; got {}.": "SDEdit에는 스텝이 하나 이상 필요합니다. 받은 값: {}.",
    "A point cloud has between 1 and {} points; got {}.": "점 구름에는 점이 1~{}개 있어야 합니다. 받은 값: {}.",
    "Sampling timesteps must be a non-empty list of whole numbers.": "샘플링 시점은 비어 있지 않은 정수 목록이어야 "
    "합니다.",
    "Sampling timesteps must be distinct and descending; got {}…": "샘플링 시점은 서로 다르고 내림차순이어야 합니다. "
    "받은 값: {}…",
    "The uploaded file could not be found on the server any more; upload it again.": "올린 파일을 서버에서 더 이상 "
    "찾을 수 없습니다. 다시 올리세요.",
    "This file is not an image Pillow can read (PNG, JPEG, WebP, GIF, BMP, TIFF, …), or it is empty.": "이 파일은 "
    "Pillow가 읽을 수 있는 이미지(PNG, JPEG, WebP, GIF, BMP, TIFF, …)가 아니거나 비어 있습니다.",
    "This file is {} MB; the limit is {} MB.": "이 파일은 {} MB입니다. 한도는 {} MB입니다.",
    "This image is {}×{} = {}; the limit is {}: make it smaller and try again.": "이 이미지는 {}×{} = {}입니다. "
    "한도는 {}이니 크기를 줄여 다시 시도하세요.",
    "This image file is damaged or truncated and cannot be decoded ({}).": "이 이미지 파일은 손상되었거나 잘려서 "
    "디코딩할 수 없습니다 ({}).",
    # words drawn into pictures (ui/lettering.py)
    "x_t (input)": "x_t (입력)",
    "x₀ (clean)": "x₀ (원본)",
    "final samples": "최종 샘플",
    "t = {}   ᾱ_t = {}   arrows: {}": "t = {}   ᾱ_t = {}   화살표: {}",
    "{} · step {}/{}": "{} · 스텝 {}/{}",
    "samples of {}: mean NN distance {}": "{}의 샘플: 평균 최근접 거리 {}",
    # the Reverse tab's nearest-training-image check (ui/nearest.py)
    "Show each sample's nearest training image": "각 샘플과 가장 가까운 학습 이미지 보기",
    "Does the model copy its training images? The bundled models ship theirs for this check.": "모델이 학습 "
    "이미지를 베끼고 있을까요? 내장 모델은 이 확인을 위해 학습 데이터를 함께 제공합니다.",
    "Samples (rows) and their nearest training images (the row under each)": "샘플(각 행)과 가장 가까운 학습 "
    "이미지(바로 아래 행)",
    "Run the model first: the check needs final samples.": "먼저 모델을 실행하세요. 이 확인에는 최종 샘플이 "
    "필요합니다.",
    "{} ships no training set to compare with (the bundled models do; `train.py --with-training-set` writes one "
    "beside your model).": "{}에는 비교할 학습 데이터가 없습니다 (내장 모델에는 있습니다. `train.py "
    "--with-training-set`을 쓰면 모델 옆에 저장됩니다).",
    "These samples are not shaped like the training images.": "이 샘플은 학습 이미지와 크기가 다릅니다.",
    "Under each sample: its nearest of the {} training images (RMS pixel difference in [0, 1]). Median distance {}; "
    "near-copies: {} of {} (closer than {}, a distance only {} of the training images come to their nearest other "
    "one).": "각 샘플 아래: 학습 이미지 {}장 중 가장 가까운 것 (픽셀 RMS 차이, [0, 1] 범위). 거리 중앙값 {}, "
    "거의 복사본: {}개 (전체 {}개 중, {}보다 가까움. 학습 이미지끼리는 {}만이 가장 가까운 다른 이미지와 이만큼 "
    "가깝습니다).",
}

KO[HEADER] = HEADER_KO
KO |= PRESENTER_KO
# The schedule kinds are names in the code and the API; the page shows them in Korean.
KO |= dict(zip(SCHEDULE_KINDS, ("선형", "이차", "시그모이드", "코사인"), strict=True))
