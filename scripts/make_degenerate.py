"""Writes data/openworld/written/degenerate.jsonl: inputs with almost nothing to judge (GUIDELINES §8).

Every row is compliant; the gate of scripts/export_onnx.py requires that none of the held-out ones is flagged.
"""
import json
from pathlib import Path

groups = {
 "latin": "TD td Td T R r N n Y y ok OK Ok okk okay a A b B c x X test Test TEST hi Hi hello Hello yes Yes no No NO thx thanks sorry pls plz bye 88 zzz hhh hh lol LOL wtf? emm em en enn gg GG qq QQ vx VX wx dd DD ps PS ID id app APP wifi WiFi PDF pdf CEO ATM VIP KTV OTP BTW CN HK TV AI DIY".split(),
 "unsubscribe": ["回TD", "TD退订", "退订", "T退订", "回复R", "R拒收", "拒收", "退订TD", "TD。", "td谢谢", "N 不需要", "Y 确认", "1 确认", "2 取消", "0 退出"],
 "digits": "0 1 2 3 5 7 9 00 01 10 11 12 99 100 123 666 888 520 1314 2024 2026 12345 0000 8888 9527 10086 95588 400 110? 3.14 1.5 50% 20元 3天 7号 12:30 8点 2026-01-05 #1 No.3 第2 1/2".split(),
 "emoji": "😀 😂 🤣 😊 😭 😡 👍 👌 🙏 ❤️ 🌹 🎉 🔥 💰 🐶 🐷 🤔 😅 🙄 😴 👋 ✌️ 💪 ☀️ 🌙 🍎 🍺 🎂 🚗 🏠 😀😀 👍👍👍 🙏🙏 😂😂😂".split() + ["[微笑]", "[强]", "[抱拳]", "[OK]", "[捂脸]", "[呲牙]", "[玫瑰]", "[握手]", "[图片]", "[语音]", "[视频]", "[表情]", "[红包]", "[转账]", "[位置]", "[文件]"],
 "punct": ["?", "？", "？？", "？？？", "!", "！", "!!!", "。", "。。。", "...", "……", "，", "、", "~", "～～", "-", "--", "——", "*", "**", "#", "@", "/", "()", "（）", "【】", "“”", ":)", ":(", "^_^", "=.=", "orz", "+1", "-_-", "？。"],
 "single_cjk": list("七八九十百千万家警法死打杀骗赖钱债还欠门堵抓关刑罪狱告诉罚款查封冻结黑名单通讯录单位公司学校孩子你我他她它们的了吗呢吧啊哦嗯好行对是不在有没来去说看想要会能可以人天年月日时分水火山石田土木金口手心头脚车马牛羊鸟鱼花草树叶风雨雪云电话信")[:80],
 "asr": ["喂", "喂？", "喂喂", "喂，你好", "嗯", "嗯嗯", "嗯。", "啊", "啊？", "哦", "哦哦", "噢", "呃", "额", "那个", "就是", "就是说", "然后", "对", "对对", "对对对", "是", "是的", "是吗", "不是", "好", "好的", "好好好", "行", "那行", "可以", "收到", "知道了", "明白", "谢谢", "谢谢啊", "不用了", "没事", "稍等", "等一下", "听不清", "信号不好", "你说", "您说", "在吗", "在", "在的", "哪位", "你好", "您好", "再见", "拜拜", "嗯，好的", "啊，对", "喂，听得到吗", "[静音]", "[噪音]", "[听不清]", "[笑声]", "（沉默）", "嗯……", "这个……", "那……"],
 "mixed": ["ok的", "好的ok", "收到👍", "嗯嗯😀", "TD 谢谢", "1", "ok？", "yes 好", "test123", "a1", "Hi~", "喂?", "hello你好", "666👍", "哈", "哈哈", "哈哈哈", "呵呵", "嘿嘿", "嘻嘻", "哇", "哎", "唉", "嗯哼", "啦啦啦", "么么哒", "晚安", "早", "早安", "午安", "在忙", "忙", "睡了", "到了", "到家了", "吃了吗", "走了", "来了", "马上", "好滴", "木有", "酱紫", "肿么了", "稀饭", "蓝瘦", "香菇", "yyds", "awsl", "xswl", "nsdd", "u1s1", "dbq", "bdjw", "nbcs", "zqsg", "xs", "srds", "tql"],
}
rows, seen = [], set()
for kind, items in groups.items():
    for t in items:
        if t in seen:
            continue
        seen.add(t)
        n = len(rows) + 1
        rows.append({"id": f"ow-deg-{n:04d}", "text": t, "labels": [], "register": "degenerate", "source": "handwritten",
                     "scenario": f"degenerate:{kind}", "stage": "", "collector": "none", "tone": "neutral", "variety": [],
                     "family": f"ow-deg-f{n:04d}"})
with open(Path(__file__).resolve().parents[1] / "data" / "openworld" / "written" / "degenerate.jsonl", "w", encoding="utf-8") as f:
    for r in rows:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
print(len(rows), {k: len(v) for k, v in groups.items()})
