"""Every interface string in Chinese and English (questionnaire texts come from the questionnaire)."""

from __future__ import annotations

__all__ = ["ui_text", "UI"]

UI: dict[str, tuple[str, str]] = {
    "app_name": ("调查系统", "Survey engine"),
    "language": ("语言", "Language"),
    "next": ("下一页", "Next"),
    "back": ("上一页", "Back"),
    "review": ("检查答案", "Review answers"),
    "submit": ("提交", "Submit"),
    "save_later": ("保存，稍后继续", "Save and continue later"),
    "saved_title": ("已保存", "Saved"),
    "saved": ("已保存。用同一链接可稍后继续作答。", "Saved. Open the same link later to continue."),
    "progress": ("第 {current} 页，共 {total} 页", "Page {current} of {total}"),
    "review_title": ("请检查您的答案", "Please check your answers"),
    "change": ("修改", "Change"),
    "not_answered": ("未作答", "Not answered"),
    "thanks_title": ("提交成功，感谢您的参与！", "Thank you, your answers have been received."),
    "thanks_text": ("您的答案已保存。", "Your answers are stored."),
    "already_title": ("您已完成本问卷", "You have already answered"),
    "already_text": ("此邀请链接已使用过，感谢您的参与。", "This invitation has already been used. Thank you for taking part."),
    "closed_title": ("调查已结束", "This survey is closed"),
    "closed_text": ("此调查目前不接受作答。", "This survey is not accepting answers now."),
    "unknown_title": ("找不到此调查", "Survey not found"),
    "unknown_text": ("链接可能有误，请重新扫描二维码。", "The link may be wrong; please scan the QR code again."),
    "errors_on_page": ("请更正下面标出的问题。", "Please correct the problems marked below."),
    "consent": ("我已阅读并同意上述说明", "I have read and agree to the notice above"),
    "consent_needed": ("请先阅读并同意说明。", "Please read and agree to the notice first."),
    "start": ("开始作答", "Start"),
    "repeat_notice": ("此设备已提交过答案，本次答案仍会保存并标注。",
                      "This device has answered before; these answers are still stored and marked."),
    "too_many": ("提交次数过多，请稍后再试。", "Too many submissions; please try again later."),
    "login": ("登录", "Sign in"),
    "logout": ("退出", "Sign out"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "bad_login": ("用户名或密码不正确。", "Wrong username or password."),
    "required_mark": ("必答", "required"),
    "choose": ("请选择", "Choose"),
    "specify": ("请注明", "Please specify"),
    "not_applicable": ("不适用", "Not applicable"),
    "error": ("出错了", "Something went wrong"),
}


def ui_text(key: str, language: str, **values: object) -> str:
    zh, en = UI[key]
    text = en if language == "en" else zh
    return text.format(**values) if values else text
