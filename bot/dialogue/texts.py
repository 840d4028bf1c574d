"""What Linli says: every fixed reply text in one place, so staff can read and change the wording."""

WELCOME = (
    "您好，欢迎关注社区服务号！我是社区助手「邻里」，可以帮您：\n"
    "1. 政策咨询：直接提问，如「居住证怎么办」\n"
    "2. 反映问题、申请帮助：如「楼道灯坏了」，我会登记并转给网格员办理\n"
    "3. 提建议：如「建议小区多装几个充电桩」\n"
    "4. 查询办理进度：回复「查询」\n"
    "5. 绑定住址：回复「绑定 3号楼2单元」；匿名提意见：回复「连心树」\n"
    "需要工作人员时回复「人工」。遇到燃气泄漏、火情、有人被困等紧急情况，请立即拨打 119 / 120 / 110。"
)
HELP = WELCOME.replace("您好，欢迎关注社区服务号！", "")
# 「你是机器人吗」, 「你叫什么名字」: said plainly that no person is typing
WHOAMI = "您好！我是社区助手「邻里」，是社区开通的自动回复程序，不是真人。" + HELP.replace("我是社区助手「邻里」，", "")
# 「明天会下雨吗」, 「现在几点了」: not what the community answers (these filled the staff's unanswered log)
OUT_OF_SCOPE = ("这个我帮不上忙：我是社区助手，能回答社区的政策和办事问题，登记您反映的问题和建议。"
                "需要工作人员时回复「人工」。")
# 「你们都是废物」: anger with nothing said about what went wrong
UPSET = ("很抱歉让您不满意。能说说遇到了什么问题吗？我来为您登记并转给工作人员办理；"
         "想直接找工作人员请回复「人工」。")
# an emergency filed with no place known: asked at once, since the grid worker's alert has no address
EMERGENCY_WHERE = "请马上回复具体位置（如「3号楼2单元301」「小区东门」），或点「+」发送位置，我们转给网格员。"
EMERGENCY_PLACED = "已补充位置：{place}，已再次通知网格员。请注意安全，需要时拨打 119 / 120 / 110。"
THANKS = "不客气！还有其他问题随时告诉我。"
SATISFIED = "感谢您的肯定！还有其他需要，随时告诉我。"  # 「非常满意」 with no survey waiting
GRID_WORKER = ("您所在的{place}：{people}（工作时间 8:30–17:30）。需要登记的问题也可以直接发给我；"
               "紧急情况请拨打 110 / 119 / 120。")
# 「能不能不要让店家知道是我举报的」: what is kept and who sees it, said as it is (staff who call back for the
# 回访 see the phone; the party complained about sees nothing)
CONFIDENTIAL = ("请放心：我们不会把反映人的信息告诉被反映的一方（商户、邻居、物业等），处理和通报时也不提您的名字。"
                "您的联系方式只用于工作人员联系您、告诉您进展和回访。想完全匿名，可以回复「连心树」提意见"
                "（匿名意见不能查询进度，工作人员也没法联系您）。")
GRID_WORKER_NONE = "您所在的{place}暂未登记网格员，请回复「人工」联系社区工作人员。"
GRID_WORKER_UNBOUND = ("告诉我您住哪栋楼，我就能告诉您负责的网格员和联系电话：回复「绑定 3号楼2单元」这样的住址即可；"
                       "也可以回复「人工」联系工作人员。")
ROLE_NAMES = {"grid_worker": "网格员 ", "grid_chief": "网格长 "}
PRAISED = {"grid": "谢谢您的肯定！已把您的表扬转到网格工作群，大家会继续努力。",
           "street": "谢谢您的肯定！已把您的表扬转给街道工作人员，大家会继续努力。"}
NUMBER_ALONE = "现在没有等您选择的选项（可能已经过时）。请直接告诉我您的问题，或回复「帮助」看看我能做什么。"
NOTHING_TO_CONFIRM = "现在没有待确认的事项。需要反映问题，请直接告诉我是什么事、在哪里。"
ACK = "好的。还有其他需要，随时告诉我。"  # a bare 「好」「嗯」「行」 with nothing open
HANDOFF_STARTED = "已为您转接人工服务，工作人员会尽快回复您（工作时间 8:30–17:30）。回复「结束人工」可回到自动服务。"
HANDOFF_WAITING = "您的消息已转给工作人员，请稍候。"
# 「人呢」「在吗」 while waiting: an answer, not silence (the chat would look dead); which depends on whether a person
# has taken the chat yet
HANDOFF_NUDGED = {"waiting": "还在为您联系工作人员，请稍候（工作时间 8:30–17:30，之外的消息上班后回复）。"
                             "着急的事可以直接把情况发过来，工作人员一接手就能看到；回复「结束人工」可回到自动服务。",
                  "claimed": "工作人员已经看到您的消息，正在处理，请稍候。回复「结束人工」可回到自动服务。"}
HANDOFF_ENDED = "已结束人工服务，有问题可以直接问我。"
CANCELLED = "好的，已取消。"
NOTHING_TO_CANCEL = "当前没有进行中的事项。"
NO_MORE = "没有更多内容了。"
UNSUPPORTED = "暂时还看不懂这种消息，请用文字告诉我您的问题，或回复「人工」联系工作人员。"
IMAGE_ALONE = "收到您的图片。如需反映问题，请用文字简单描述一下情况和地点，我来为您登记，图片会一并附上。"
LOCATION_SAVED = "收到您的位置：{label}。如需反映问题，请用文字描述一下情况。"
PLACEHOLDER_ALONE = "如需反映问题或咨询，请用文字简单说一下是什么事、在哪里。"  # after 「只收到了文字「[图片]」…」
LINK_ALONE = "收到您分享的链接。如有问题，请用文字描述，或回复「人工」联系工作人员。"
FOLLOW_UP_GAP = ("关于「{question}」，现有的资料里没有写{said}，这个我暂时答不上来，已记录下来请工作人员补充。"
                 "您也可以回复「人工」问工作人员。")
NOT_UNDERSTOOD = "抱歉，我没能理解您的意思。您可以换个说法，或回复「人工」联系工作人员。"
REPORT_OFFER = ("这个问题在政策库里没有找到答案，已记录下来请工作人员补充。\n"
                "如果您是要反映一个需要处理的问题（报修、投诉），请回复「2」，我来为您登记；也可以回复「人工」联系工作人员。")
ANSWER_REJECTED = ("抱歉，刚才没有答到您问的。已把您的问题记下来，请工作人员核对补充。\n"
                   "您可以换个说法再问一次，或回复「人工」请工作人员解答。")
ERRAND_OFFER = "如需社区工作人员帮您代办或上门协助，请回复「2」，我来为您登记。"
# one message with a question and a report (「居住证怎么办，还有楼下垃圾好几天没人收了」): both are taken up
ALSO_REPORT = "另外，您说的「{text}」，我来为您登记。"
REPORT_FIRST = "您说了两件事。先为您登记「{text}」，登记完就回答您问的「{question}」。"
THEN_ANSWER = "关于您问的「{question}」："
# 「停水了什么时候来水」: the notices staff sent to the grid groups (which residents do not see) answer it
OUTAGE_NOTICES = "社区近 3 天发布的{kind}通知：\n{notices}\n如果您那里的情况和通知不一样，请回复「2」，我来为您登记报修。"
OUTAGE_NONE = ("没有查到社区近 3 天发布的{kind}通知，可能是突发故障。回复「2」，我来为您登记报修（水电气暖类 24 小时内处理）；"
               "也可以直接拨打供水、供电、燃气或供热单位的服务热线。")
POLICE = "这属于公安机关处理的警务事项，请立即拨打 110 报警。社区不受理此类事项的工单，但如需其他帮助可回复「人工」。"
REPORTED_AGAIN = "您之前已经反映过同样的问题，不用重复登记。"
URGED = ("已为您催办：{number}「{text}」，{status}，处理人：{handler}{deadline}。已提醒网格员尽快处理，"
         "有进展会通知您。")
# 撤回: the resident withdraws a report still being worked on, after saying yes to the question
WITHDRAW_ASK = ("要撤回「{text}」（编号 {number}）吗？撤回后工作人员不再处理。\n"
                "回复「确认撤回」撤回；还需要处理请回复「继续办理」。")
WITHDRAW_ASK_AGAIN = "请回复「确认撤回」撤回「{text}」（编号 {number}），或回复「继续办理」。"
WITHDRAWN = "好的，已撤回「{text}」（编号 {number}），并告诉了网格员不用再处理。以后有需要随时告诉我。"
WITHDRAW_NOTED = ("好的，已把您的话转告工作人员。「{text}」（编号 {number}）{why}，工作人员核实后会按流程办结，"
                  "办结时会通知您。")
WITHDRAW_NOTED_WHY = {"emergency": "是紧急事项", "others": "也有其他邻居反映了"}
ADDED_TO_FILED = "已补充到您刚才反映的「{text}」（编号 {number}），会转给处理人员。回复「查询」可查看进度。"
ADD_WHAT = "好的，请直接发要补充的内容，我会加到「{text}」（编号 {number}）里。"
NOT_FIXED_REOPENED = "很抱歉，「{text}」（编号 {number}）还没有解决。已重新交办，我们会尽快处理并再次回访。"
NOTHING_TO_WITHDRAW = "您现在没有正在办理的事项可以撤回。回复「查询」可查看您反映过的事项。"
WITHDRAW_KEPT = "好的，继续为您办理「{text}」（编号 {number}）。"
NO_TICKETS = "您还没有提交过事项。需要反映问题可以直接告诉我。"
TICKET_CREATED = "已记录，编号 {number}。{route}我们会按时办理，办理进展会通知您。回复「查询」可查看进度。"
STATUS_LINE = "{number}｜{status}｜{text}｜{where}{handler}{deadline}"
STATUS_NAMES = {
    "submitted": "已受理",
    "under_review": "初审中",
    "dispatched": "已派单",
    "in_progress": "办理中",
    "returned": "退回重派",
    "resolved": "已办结",
    "surveyed": "已回访",
    "closed": "已关闭",
    "reopened": "重新办理",
}
