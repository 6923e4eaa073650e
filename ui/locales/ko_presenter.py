"""Korean of presenter mode (keys, scenes, links, recorded runs): English text or template (``{}`` = a slot) → Korean.
Merged into ``KO`` by ``ui/locales/ko.py``."""

PRESENTER_KO: dict[str, str] = {
    # the bar under the header
    "Copy link to this view": "이 화면의 링크 복사",
    "? keys": "? 단축키",
    # the "?" overlay
    "Keys": "단축키",
    "Scenes": "장면",
    "Scene key": "장면 키",
    "play / pause: the run or its replay (Reverse), t (Forward, 2D lab), the race": (
        "재생 / 일시정지: 샘플링 실행이나 그 다시보기 (역방향), t (순방향, 2D 실험실), 샘플러 경주"
    ),
    "run again (Reverse, race, 2D lab)": "다시 실행 (역방향, 샘플러 경주, 2D 실험실)",
    "one step of t (Forward, 2D lab) or one frame of the replay (Reverse)": (
        "t를 한 스텝 (순방향, 2D 실험실) 또는 다시보기를 한 프레임 (역방향)"
    ),
    "ten steps or frames": "열 스텝 또는 열 프레임",
    "first / last t or frame": "처음 / 마지막 t 또는 프레임",
    "full-screen player; Esc leaves it": "전체 화면 플레이어; Esc로 나가기",
    "light or dark stage in the player": "플레이어의 밝은 / 어두운 배경",
    "jump to a scene": "장면으로 이동",
    "this list": "이 목록",
    "No scenes: start the app with --scenes FILE.": "장면이 없습니다: 앱을 --scenes 파일 로 시작하세요.",
    "Keys do nothing while you type in a field. ? or Esc closes this.": (
        "입력 칸에 글자를 쓰는 동안에는 단축키가 동작하지 않습니다. ? 또는 Esc로 닫습니다."
    ),
    # links and scenes
    "Link: {}.": "링크: {}.",
    "Scene {}: {}": "장면 {}: {}",
    "No scene on key {}.": "{} 키에는 장면이 없습니다.",
    "the 2D lab's “{}” arrows need ε_θ trained on this data (“Train ε_θ”): exact shown": (
        "2D 실험실의 “{}” 화살표는 이 데이터로 학습한 ε_θ가 있어야 합니다 (“ε_θ 학습”): 정확한 −ε*를 보여 줍니다"
    ),
    "{} “{}” read as “{}”": "{} “{}” 을(를) “{}” 으로 읽었습니다",
    "unknown {} “{}” ignored": "알 수 없는 {} “{}” 은(는) 무시했습니다",
    "{} “{}” is not a number: ignored": "{} “{}” 은(는) 숫자가 아니어서 무시했습니다",
    "{} {} → {} (allowed: {}…{})": "{} {} → {} (허용 범위: {}…{})",
    "{} “{}” is not 1 or 0: ignored": "{} “{}” 은(는) 1 또는 0이 아니어서 무시했습니다",
    "race: {}": "샘플러 경주: {}",
    "race: at most {} contenders, the first {} kept": "샘플러 경주: 참가자는 최대 {}개, 앞의 {}개만 남겼습니다",
    "race: a race needs 2 to 4 contenders “sampler-steps”: ignored": (
        "샘플러 경주: 경주에는 “샘플러-스텝 수” 참가자가 2~4개 필요합니다: 무시했습니다"
    ),
    "unknown parameter {} ignored": "알 수 없는 매개변수 {} 은(는) 무시했습니다",
    "unknown parameters {} ignored": "알 수 없는 매개변수 {} 은(는) 무시했습니다",
    # recorded runs (Reverse sampling)
    "Run live (ignore the recorded scenes)": "실시간으로 실행 (녹화된 장면 쓰지 않기)",
    "Runs that a recorded scene made play from the recording, instantly; tick to compute them again.": (
        "녹화된 장면과 같은 실행은 녹화본을 바로 재생합니다. 다시 계산하려면 체크하세요."
    ),
    "recorded on {}, {} UTC": "{}에서 녹화, {} UTC",
    "Step {}/{}": "스텝 {}/{}",
    "Done: the recorded run ({} steps, {} frames kept for the replay)": (
        "완료: 녹화된 실행 ({} 스텝, 다시보기용 프레임 {}개)"
    ),
}
