//! `pubdata bench search`: catalog search latency at a realistic size, beside a plain `LIKE`
//! scan of the same table doing the same work (a page and the facet counts), measured in the
//! same run (DESIGN.md §7: p95 ≤ 20 ms at 100,000 resources, two-character queries included).
//!
//! The catalog is synthetic but shaped like a city's: a few dozen units, each keeping the
//! resources of its own topics, with names, summaries, tags and fields made from the words
//! such catalogs use. Every entry keeps the catalog's rules (`rules::check`); rows are written
//! through the store as `create_resource` would write them (`row_for`), in large transactions.

use crate::bench::Scratch;
use anyhow::{Context, Result, anyhow, bail};
use pubdata_app::catalog::resources::row_for;
use pubdata_app::catalog::search::{SearchInput, search_resources};
use pubdata_app::platform::orgs::{Org, OrgInput, create_org};
use pubdata_app::{App, Config};
use pubdata_core::actor::{Channel, TokenScope, UserRef};
use pubdata_core::audit::Action;
use pubdata_core::catalog::rules::{check, looks_like_identifier};
use pubdata_core::catalog::search::Query;
use pubdata_core::catalog::{
    Category, Field, FieldType, OpenAttr, ResourceDoc, ResourceFormat, ResourceStatus, ShareAttr,
    ShareMethod, UpdateCycle,
};
use pubdata_core::{Actor, Role, policy};
use pubdata_store::catalog::search::{self as store, Filter, Found, Match, Sort, Visibility};
use std::time::{Duration, Instant};

/// (name, kind, sector, credit-code category, accountable head)
#[rustfmt::skip]
pub(crate) const UNITS: &[(&str, &str, &str, &str, &str)] = &[
    ("澜江市大数据局", "government", "other", "11", "周明远"),
    ("澜江市公安局", "government", "other", "11", "郑国强"),
    ("澜江市市场监督管理局", "government", "other", "11", "王晓华"),
    ("澜江市人力资源和社会保障局", "government", "other", "11", "李秀英"),
    ("澜江市卫生健康委员会", "government", "healthcare", "11", "陈建平"),
    ("澜江市交通运输局", "government", "transport", "11", "刘志刚"),
    ("澜江市教育局", "government", "education", "11", "黄丽萍"),
    ("澜江市统计局", "government", "other", "11", "张文斌"),
    ("国家税务总局澜江市税务局", "government", "other", "11", "杨振华"),
    ("澜江市生态环境局", "government", "other", "11", "林清源"),
    ("澜江市气象局", "government", "other", "12", "何云飞"),
    ("澜江市住房和城乡建设局", "government", "other", "11", "徐建国"),
    ("澜江市自然资源和规划局", "government", "other", "11", "马永强"),
    ("澜江市民政局", "government", "elderly_care", "11", "胡春梅"),
    ("澜江市财政局", "government", "other", "11", "朱振宇"),
    ("澜江市医疗保障局", "government", "healthcare", "11", "高明辉"),
    ("澜江市住房公积金管理中心", "government", "other", "12", "罗晓东"),
    ("澜江市水利局", "government", "water", "11", "梁志远"),
    ("澜江市应急管理局", "government", "other", "11", "宋卫东"),
    ("澜江市文化广电和旅游局", "government", "other", "11", "郭静怡"),
    ("澜江市农业农村局", "government", "other", "11", "谢长林"),
    ("澜江市商务局", "government", "other", "11", "韩立军"),
    ("澜江市司法局", "government", "other", "11", "唐正义"),
    ("澜江市政务服务管理局", "government", "other", "11", "冯晓燕"),
    ("澜江市城市管理局", "government", "other", "11", "董建设"),
    ("澜江市发展和改革委员会", "government", "other", "11", "萧国栋"),
    ("澜江市公安局交通警察支队", "government", "transport", "11", "程海涛"),
    ("澜江水务集团有限公司", "public_service", "water", "91", "赵海波"),
    ("国网澜江供电公司", "public_service", "power", "91", "孙立新"),
    ("澜江公交集团有限责任公司", "public_service", "public_transport", "91", "吴建军"),
    ("澜江燃气有限公司", "public_service", "gas", "91", "曹德明"),
    ("澜江热力有限公司", "public_service", "heating", "91", "袁冬生"),
    ("中国电信股份有限公司澜江分公司", "public_service", "telecom", "91", "邓通达"),
    ("澜江市人民医院", "public_service", "healthcare", "12", "许仁心"),
    ("澜江市第一中学", "public_service", "education", "12", "傅育才"),
    ("中国邮政集团有限公司澜江市分公司", "public_service", "postal", "91", "沈远航"),
    ("澜江市社会福利院", "public_service", "elderly_care", "12", "曾安康"),
];

/// The unit whose member searches: the statistics bureau.
const SEARCHING_UNIT: usize = 7;

struct Topic {
    /// The subject as names spell it.
    word: &'static str,
    /// Indexes into [`UNITS`] of the units keeping it.
    units: &'static [usize],
    theme: &'static str,
    fields: &'static [&'static str],
    tags: &'static [&'static str],
}

const fn t(
    word: &'static str,
    units: &'static [usize],
    theme: &'static str,
    fields: &'static [&'static str],
    tags: &'static [&'static str],
) -> Topic {
    Topic {
        word,
        units,
        theme,
        fields,
        tags,
    }
}

#[rustfmt::skip]
const TOPICS: &[Topic] = &[
    t("企业", &[2], "经济建设", &["统一社会信用代码", "企业名称", "法定代表人", "注册资本", "成立日期", "登记机关", "经营范围", "住所", "企业类型", "登记状态"], &["市场主体", "营商环境"]),
    t("个体工商户", &[2], "经济建设", &["统一社会信用代码", "字号名称", "经营者姓名", "经营场所", "组成形式", "成立日期"], &["市场主体"]),
    t("食品经营许可", &[2], "市场监管", &["许可证编号", "经营者名称", "统一社会信用代码", "经营场所", "主体业态", "有效期至"], &["食品安全", "许可"]),
    t("常住人口", &[7, 1], "社会民生", &["公民身份号码", "姓名", "性别", "出生日期", "民族", "居住地址", "文化程度"], &["人口", "户籍"]),
    t("户籍人口", &[1], "社会民生", &["公民身份号码", "姓名", "性别", "出生日期", "户籍地址", "户主姓名", "与户主关系"], &["人口", "户籍"]),
    t("流动人口", &[1], "社会民生", &["公民身份号码", "姓名", "暂住地址", "来源地", "登记日期"], &["人口", "居住证"]),
    t("人口", &[7], "社会民生", &["统计年度", "总人口", "出生人口", "死亡人口", "自然增长率", "城镇化率"], &["人口", "统计"]),
    t("公交线路", &[29, 5], "交通出行", &["线路编号", "线路名称", "起点站", "终点站", "首班时间", "末班时间", "票价", "线路长度"], &["公共交通", "出行"]),
    t("公交站点", &[29], "交通出行", &["站点编号", "站点名称", "经度", "纬度", "所属线路"], &["公共交通", "出行"]),
    t("公交车辆", &[29], "交通出行", &["车辆编号", "车牌号码", "车型", "座位数", "能源类型", "投入运营日期"], &["公共交通"]),
    t("出租汽车", &[5], "交通出行", &["车牌号码", "经营者名称", "统一社会信用代码", "车辆颜色", "营运证号"], &["出行", "客运"]),
    t("道路运输", &[5], "交通出行", &["经营许可证号", "业户名称", "统一社会信用代码", "经营范围", "车辆数"], &["运输", "许可"]),
    t("交通流量", &[26], "交通出行", &["路段编号", "路段名称", "监测时间", "车流量", "平均车速"], &["交通", "城市治理"]),
    t("医疗机构", &[4], "医疗卫生", &["机构代码", "机构名称", "机构类别", "机构等级", "床位数", "地址", "联系电话"], &["医疗", "卫生健康"]),
    t("执业医师", &[4], "医疗卫生", &["医师姓名", "执业证书编码", "执业类别", "执业范围", "执业机构"], &["医疗", "执业"]),
    t("医保结算", &[15], "医疗卫生", &["结算编号", "参保人姓名", "公民身份号码", "医疗机构名称", "结算金额", "结算日期"], &["医保", "医疗"]),
    t("门急诊", &[33], "医疗卫生", &["就诊日期", "科室", "门诊人次", "急诊人次", "平均候诊时长"], &["医疗", "医院"]),
    t("学校", &[6], "教育文化", &["学校代码", "学校名称", "办学类型", "举办者", "在校生数", "教职工数", "地址"], &["教育"]),
    t("中小学", &[6], "教育文化", &["学校名称", "学段", "班级数", "学生数", "招生人数"], &["教育", "义务教育"]),
    t("幼儿园", &[6], "教育文化", &["园所名称", "办园性质", "班级数", "在园幼儿数", "地址"], &["教育", "学前教育"]),
    t("学生学籍", &[34, 6], "教育文化", &["学籍号", "姓名", "公民身份号码", "年级", "班级", "入学日期"], &["教育", "学校"]),
    t("住房公积金", &[16], "社会保障", &["个人账号", "姓名", "公民身份号码", "缴存基数", "月缴存额", "账户余额"], &["住房", "公积金"]),
    t("保障性住房", &[11], "城市建设", &["项目名称", "房源编号", "户型", "建筑面积", "配租状态"], &["住房", "保障"]),
    t("商品房预售", &[11], "城市建设", &["项目名称", "预售许可证号", "开发企业", "统一社会信用代码", "套数", "预售面积"], &["住房", "房地产"]),
    t("社会保险参保", &[3], "社会保障", &["公民身份号码", "姓名", "险种", "参保状态", "缴费基数", "参保日期"], &["社保", "参保"]),
    t("养老保险", &[3], "社会保障", &["公民身份号码", "姓名", "待遇类型", "月发放金额", "发放日期"], &["社保", "养老"]),
    t("就业登记", &[3], "社会保障", &["公民身份号码", "姓名", "就业单位", "就业日期", "就业形式"], &["就业", "社保"]),
    t("纳税信用", &[8], "信用服务", &["统一社会信用代码", "纳税人名称", "评价年度", "信用等级"], &["税务", "信用"]),
    t("税收", &[8], "经济建设", &["税种", "征收金额", "所属期", "所属行业"], &["税务", "财政"]),
    t("空气质量", &[9], "生态环境", &["监测站点", "监测时间", "PM2.5浓度", "PM10浓度", "空气质量指数", "首要污染物"], &["环境", "大气"]),
    t("环境监测", &[9], "生态环境", &["监测点位", "监测项目", "监测值", "监测时间", "超标情况"], &["环境", "监测"]),
    t("污染源", &[9], "生态环境", &["排污单位名称", "统一社会信用代码", "排污许可证编号", "排放口编号", "主要污染物"], &["环境", "排污"]),
    t("气象观测", &[10], "生态环境", &["站点编号", "观测时间", "气温", "降水量", "风向", "风速", "相对湿度"], &["气象", "天气"]),
    t("天气预报", &[10], "生态环境", &["预报时间", "预报区域", "天气现象", "最高气温", "最低气温"], &["气象", "天气"]),
    t("供水", &[27, 17], "资源能源", &["用户编号", "用水户名称", "用水地址", "用水量", "抄表日期"], &["水务", "民生"]),
    t("水质", &[27, 17], "资源能源", &["监测点位", "采样时间", "浑浊度", "余氯", "检测结论"], &["水务", "环境"]),
    t("用电", &[28], "资源能源", &["用户编号", "用电户名称", "用电地址", "用电量", "抄表日期", "用电类别"], &["电力", "能源"]),
    t("电力设施", &[28], "资源能源", &["设施编号", "设施名称", "电压等级", "所在位置", "投运日期"], &["电力", "设施"]),
    t("燃气用户", &[30], "资源能源", &["用户编号", "用户名称", "用气地址", "用气量", "表具编号"], &["燃气", "能源"]),
    t("集中供热", &[31], "资源能源", &["用户编号", "供热面积", "缴费状态", "室温监测值"], &["供热", "民生"]),
    t("GDP", &[7], "经济建设", &["统计年度", "地区生产总值", "第一产业增加值", "第二产业增加值", "第三产业增加值", "增速"], &["经济", "统计"]),
    t("财政收支", &[14], "经济建设", &["预算科目", "预算数", "执行数", "所属年度"], &["财政", "预算"]),
    t("不动产登记", &[12], "城市建设", &["不动产单元号", "权利人", "证件号码", "坐落", "面积", "登记日期"], &["不动产", "自然资源"]),
    t("婚姻登记", &[13], "社会民生", &["登记类型", "男方姓名", "女方姓名", "登记日期", "登记机关"], &["民政", "婚姻"]),
    t("养老机构", &[13, 36], "社会保障", &["机构名称", "统一社会信用代码", "床位数", "入住老人数", "地址"], &["养老", "民政"]),
    t("最低生活保障", &[13], "社会保障", &["户主姓名", "公民身份号码", "保障人数", "月保障金额"], &["低保", "救助"]),
    t("行政处罚", &[2, 22, 9], "信用服务", &["决定书文号", "当事人名称", "统一社会信用代码", "处罚类别", "处罚金额", "处罚日期"], &["信用", "执法"]),
    t("政务服务事项", &[23], "政务服务", &["事项编码", "事项名称", "实施主体", "办理时限", "收费标准"], &["一网通办", "政务服务"]),
    t("安全生产", &[18], "公共安全", &["企业名称", "统一社会信用代码", "风险等级", "检查日期", "隐患数"], &["应急", "安全"]),
    t("旅游景区", &[19], "教育文化", &["景区名称", "景区等级", "地址", "开放时间", "门票价格"], &["旅游", "文化"]),
    t("农产品价格", &[20], "经济建设", &["产品名称", "产地", "价格", "采集日期"], &["农业", "价格"]),
    t("邮政网点", &[35], "社会民生", &["网点名称", "地址", "营业时间", "联系电话"], &["邮政", "便民"]),
    t("通信基站", &[32], "城市建设", &["基站编号", "所在位置", "经度", "纬度", "网络制式"], &["通信", "基础设施"]),
    t("城市部件", &[24], "城市建设", &["部件编号", "部件类型", "所在位置", "权属单位", "部件状态"], &["城市管理", "城市治理"]),
    t("投资项目审批", &[25], "经济建设", &["项目代码", "项目名称", "建设单位", "总投资", "审批日期"], &["投资", "审批"]),
    t("数据共享交换", &[0], "政务服务", &["交换编号", "提供单位", "使用单位", "交换时间", "数据量"], &["数据共享", "大数据"]),
];

const COMMON_FIELDS: &[&str] = &[
    "数据更新时间",
    "行政区划代码",
    "所属区县",
    "数据来源",
    "备注",
];
const QUALIFIERS: &[&str] = &[
    "登记", "基本", "统计", "运行", "监测", "许可", "备案", "年度", "综合", "动态",
];
const SUFFIXES: &[&str] = &[
    "信息",
    "数据",
    "台账",
    "目录",
    "名录",
    "明细",
    "清单",
    "汇总表",
];
const VERBS: &[&str] = &["汇集", "归集", "采集", "维护", "登记"];
const PURPOSES: &[&str] = &[
    "供政务服务使用",
    "支撑城市治理与统计分析",
    "用于行业监管和执法",
    "服务企业和群众办事",
    "面向社会有条件开放",
];
const GENERAL_TAGS: &[&str] = &[
    "民生",
    "政务服务",
    "统计",
    "监管",
    "信用",
    "开放数据",
    "共享",
    "城市治理",
    "一网通办",
];

/// splitmix64: the same catalog every run.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub(crate) fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    /// An index drawn with the given weights.
    pub(crate) fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut r = self.below(total as usize) as u32;
        for (i, w) in weights.iter().enumerate() {
            if r < *w {
                return i;
            }
            r -= w;
        }
        weights.len() - 1
    }
}

fn field(name: &str, code: String, is_key: bool) -> Field {
    let sensitive = [
        "身份号码",
        "姓名",
        "电话",
        "证件号码",
        "权利人",
        "地址",
        "账号",
    ]
    .iter()
    .any(|s| name.contains(s));
    let grade = if name.contains("身份号码") || name.contains("证件号码") {
        4
    } else if sensitive {
        3
    } else {
        1
    };
    let mut f = Field {
        name: name.to_owned(),
        code,
        field_type: FieldType::C,
        is_key,
        identifier: None,
        sensitive,
        grade,
        required: is_key,
        description: String::new(),
        rules: Default::default(),
    };
    f.identifier = looks_like_identifier(&f);
    f
}

/// The `i`-th synthetic catalog entry and its status.
pub(crate) fn synthetic(
    i: usize,
    rng: &mut Rng,
    units: &[String],
) -> (ResourceDoc, ResourceStatus) {
    let topic_index = rng.below(TOPICS.len());
    let topic = &TOPICS[topic_index];
    let unit = *rng.pick(topic.units);
    let prefix = match rng.weighted(&[30, 20, 15, 10, 5, 20]) {
        0 => String::new(),
        1 => "市".into(),
        2 => "区".into(),
        3 => "县".into(),
        4 => "全市".into(),
        _ => format!("{}年", 2019 + rng.below(7)),
    };
    let qualifier = if topic.word == "GDP" && rng.below(2) == 0 {
        "统计"
    } else {
        rng.pick(QUALIFIERS)
    };
    let core = format!("{}{qualifier}{}", topic.word, rng.pick(SUFFIXES));
    let name = format!("{prefix}{core}");

    let mut names: Vec<&str> = topic.fields.to_vec();
    for c in COMMON_FIELDS {
        if rng.below(3) == 0 {
            names.push(c);
        }
    }
    let n = (3 + rng.below(10)).min(names.len());
    // A random `n` of them, the first of the topic's own as the key.
    for k in 1..names.len() {
        let j = 1 + rng.below(k);
        names.swap(k, j);
    }
    names.truncate(n);
    let fields: Vec<Field> = names
        .iter()
        .enumerate()
        .map(|(k, name)| field(name, format!("f{:02}", k + 1), k == 0))
        .collect();

    let update_cycle = UpdateCycle::ALL[rng.weighted(&[5, 20, 5, 25, 15, 5, 15, 10])];
    let share_attr = [
        ShareAttr::Unconditional,
        ShareAttr::Conditional,
        ShareAttr::NotShared,
    ][rng.weighted(&[45, 45, 10])];
    let open_attr = if share_attr == ShareAttr::NotShared {
        OpenAttr::NotOpen
    } else {
        [
            OpenAttr::Unconditional,
            OpenAttr::Conditional,
            OpenAttr::NotOpen,
        ][rng.weighted(&[25, 25, 50])]
    };
    let share_methods = if share_attr == ShareAttr::NotShared {
        vec![]
    } else {
        let mut m = vec![*rng.pick(ShareMethod::ALL)];
        if rng.below(3) == 0 {
            m.push(*rng.pick(ShareMethod::ALL));
        }
        m.sort();
        m.dedup();
        m
    };
    let category =
        [Category::Basic, Category::Thematic, Category::Departmental][rng.weighted(&[20, 30, 50])];
    let format = [
        ResourceFormat::Database,
        ResourceFormat::Spreadsheet,
        ResourceFormat::ServiceInterface,
        ResourceFormat::ElectronicFile,
        ResourceFormat::SelfDescribing,
        ResourceFormat::Image,
        ResourceFormat::Stream,
    ][rng.weighted(&[40, 20, 20, 10, 5, 3, 2])];
    let mut tags: Vec<String> = vec![topic.theme.to_owned()];
    tags.push((*rng.pick(topic.tags)).to_owned());
    if rng.below(2) == 0 {
        tags.push((*rng.pick(GENERAL_TAGS)).to_owned());
    }
    tags.dedup();
    let summary = format!(
        "{}{}的{core}，{}更新，含{}等{}个信息项，{}。",
        UNITS[unit].0,
        rng.pick(VERBS),
        update_cycle.label_zh(),
        fields
            .iter()
            .take(3)
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>()
            .join("、"),
        fields.len(),
        rng.pick(PURPOSES),
    );
    let status = [
        ResourceStatus::Published,
        ResourceStatus::Draft,
        ResourceStatus::Submitted,
        ResourceStatus::Returned,
        ResourceStatus::Withdrawn,
    ][rng.weighted(&[90, 4, 3, 2, 1])];
    let grade = fields.iter().map(|f| f.grade).max().unwrap_or(1);
    let doc = ResourceDoc {
        code: format!(
            "{}/{:02}/{:03}/{:06}",
            category.digit(),
            unit + 1,
            topic_index + 1,
            i
        ),
        name,
        summary,
        provider_org_id: units[unit].clone(),
        category,
        theme: topic.theme.to_owned(),
        format,
        update_cycle,
        share_attr,
        share_condition: if share_attr == ShareAttr::Conditional {
            format!("仅限{}相关职责使用，须经{}审核", topic.theme, UNITS[unit].0)
        } else {
            String::new()
        },
        share_legal_basis: if share_attr == ShareAttr::NotShared {
            "《中华人民共和国个人信息保护法》第十三条".into()
        } else {
            String::new()
        },
        share_methods,
        open_attr,
        open_condition: if open_attr == OpenAttr::Conditional {
            "签订数据安全保密协议后开放".into()
        } else {
            String::new()
        },
        grade,
        tags,
        release_date: (status == ResourceStatus::Published)
            .then(|| format!("2025-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28))),
        related_resource_ids: vec![],
        system_id: None,
        aggregated: true,
        fields,
    };
    (doc, status)
}

/// One query of the fixed list.
struct Probe {
    label: &'static str,
    q: Option<&'static str>,
    share_attr: Option<&'static str>,
}

#[rustfmt::skip]
const PROBES: &[Probe] = &[
    Probe { label: "人口", q: Some("人口"), share_attr: None },
    Probe { label: "企业", q: Some("企业"), share_attr: None },
    Probe { label: "公交", q: Some("公交"), share_attr: None },
    Probe { label: "医疗", q: Some("医疗"), share_attr: None },
    Probe { label: "学校", q: Some("学校"), share_attr: None },
    Probe { label: "信息", q: Some("信息"), share_attr: None },
    Probe { label: "企业登记", q: Some("企业登记"), share_attr: None },
    Probe { label: "常住人口", q: Some("常住人口"), share_attr: None },
    Probe { label: "公交线路", q: Some("公交线路"), share_attr: None },
    Probe { label: "GDP统计", q: Some("GDP统计"), share_attr: None },
    Probe { label: "2024年", q: Some("2024年"), share_attr: None },
    Probe { label: "水", q: Some("水"), share_attr: None },
    Probe { label: "人口 +共享=有条件", q: Some("人口"), share_attr: Some("conditional") },
    Probe { label: "(无关键词，仅分面)", q: None, share_attr: None },
];

const PAGE: i64 = 20;

fn filter_of(p: &Probe) -> Filter {
    Filter {
        share_attr: p.share_attr.map(str::to_owned),
        ..Filter::default()
    }
}

fn total(found: &Found) -> i64 {
    found.facets.iter().map(|f| f.n).sum()
}

/// Milliseconds at quantile `q` of `samples` (sorted here).
fn quantile(samples: &mut [Duration], q: f64) -> f64 {
    samples.sort();
    let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
    samples[i].as_secs_f64() * 1e3
}

pub async fn run(resources: u64, rounds: u64, postgres: Option<&str>, keep: bool) -> Result<()> {
    if cfg!(debug_assertions) {
        eprintln!("warning: a debug build; measure with `cargo run --release -- bench search`");
    }
    if !(1..=999_999).contains(&resources) {
        bail!("--resources: 1 to 999,999");
    }
    let dir = std::env::temp_dir().join(format!(
        "pubdata-bench-search-{}-{}",
        std::process::id(),
        pubdata_app::new_request_id()
    ));
    std::fs::create_dir_all(&dir)?;
    let mut config = Config::sqlite_in(&dir);
    let mut scratch = Scratch::Dir(dir.clone());
    if let Some(server) = postgres {
        let (url, name) = pubdata_store::db::create_scratch_postgres(server).await?;
        config.database_url = url;
        scratch = Scratch::Postgres {
            server: server.to_owned(),
            name,
        };
    }
    let where_ = config.database_url.clone();
    let app = App::open(config)
        .await
        .context("cannot open the bench database")?;
    let result = measure(&app, resources, rounds.max(1), postgres.is_some()).await;
    if keep {
        println!("kept: {where_} (data directory {})", dir.display());
        app.db().close().await;
    } else {
        crate::bench::close(app.db().clone(), scratch).await;
        if postgres.is_some() {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
    result
}

/// The units of [`UNITS`], created through `create_org` (audited), in that order.
pub(crate) async fn create_units(app: &App, operator: &Actor) -> Result<Vec<Org>> {
    let mut units = Vec::new();
    for (n, (name, kind, sector, category, head)) in UNITS.iter().enumerate() {
        let org = create_org(
            app,
            operator,
            OrgInput {
                name: (*name).to_owned(),
                kind: (*kind).to_owned(),
                sector: (*sector).to_owned(),
                uscc: pubdata_app::demo::demo_uscc(100 + n, category),
                parent_id: None,
                accountable_head: (*head).to_owned(),
            },
        )
        .await
        .map_err(|e| anyhow!("creating unit {name}: {e:?}"))?;
        units.push(org);
    }
    Ok(units)
}

async fn measure(app: &App, resources: u64, rounds: u64, on_postgres: bool) -> Result<()> {
    let operator = Actor::operator(pubdata_app::new_request_id());
    let units: Vec<String> = create_units(app, &operator)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();

    // The catalog: documents checked against the rules, rows as `create_resource` fills them.
    let t = Instant::now();
    let mut rng = Rng(0x5EED_2026);
    let now = pubdata_app::now_ms();
    let two_years = 2 * 365 * 86_400_000i64;
    let mut rows = Vec::with_capacity(resources as usize);
    for i in 0..resources as usize {
        let (doc, status) = synthetic(i, &mut rng, &units);
        let broken = check(&doc);
        if !broken.is_empty() {
            bail!("synthetic entry {i} breaks the catalog's rules: {broken:?}");
        }
        let at = now - (rng.next() % two_years as u64) as i64;
        let row = row_for(&doc, pubdata_app::new_id(), status, at).map_err(|e| anyhow!("{e:?}"))?;
        rows.push(row);
    }
    let generated = t.elapsed();

    let permits = units
        .iter()
        .map(|u| policy::edit_catalog(&operator, Action::CreateResource, u))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|d| anyhow!("{d:?}"))?;
    let unit_index = |id: &str| units.iter().position(|u| u == id).expect("a bench unit");
    const CHUNK: usize = 10_000;
    let t = Instant::now();
    for chunk in rows.chunks(CHUNK) {
        let mut tx = app.db().begin().await?;
        for row in chunk {
            let permit = &permits[unit_index(&row.provider_org_id)];
            pubdata_store::catalog::resources::insert(&mut tx, permit, row).await?;
        }
        tx.commit().await?;
    }
    let loaded = t.elapsed();
    let visible = rows
        .iter()
        .filter(|r| r.status == "published" || r.provider_org_id == units[SEARCHING_UNIT])
        .count();
    drop(rows);

    let member = Actor::user(
        UserRef {
            user_id: pubdata_app::new_id(),
            username: "bench_member".into(),
            org_id: Some(units[SEARCHING_UNIT].clone()),
            roles: vec![Role::Member],
        },
        Channel::Api,
        Some(TokenScope::Read),
        pubdata_app::new_request_id(),
    );
    let visibility = if policy::sees_whole_catalog(&member) {
        Visibility::All
    } else {
        Visibility::PublishedOr(member.org_id().map(str::to_owned))
    };

    println!(
        "pubdata bench search on {} — {resources} resources of {} units",
        if on_postgres {
            "PostgreSQL (tsvector, GIN)"
        } else {
            "SQLite (FTS5)"
        },
        units.len()
    );
    println!(
        "load: generated and checked in {:.1} s; inserted in {:.1} s ({:.0} rows/s, {CHUNK} a \
         transaction, one `resources::insert` a row, the full-text index kept {})",
        generated.as_secs_f64(),
        loaded.as_secs_f64(),
        resources as f64 / loaded.as_secs_f64(),
        if on_postgres {
            "by the GIN expression index"
        } else {
            "by the FTS5 triggers"
        }
    );
    println!(
        "searching as a member of {} (sees the {visible} published entries and the unit's own), \
         relevance order, page of {PAGE}, with the six facets",
        UNITS[SEARCHING_UNIT].0
    );
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        let load: Vec<&str> = load.split_whitespace().take(3).collect();
        println!(
            "load average before measuring: {} ({} cores)",
            load.join(" "),
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
    }

    let n = PROBES.len();
    let mut action_ms: Vec<Vec<Duration>> = vec![Vec::new(); n];
    let mut store_ms: Vec<Vec<Duration>> = vec![Vec::new(); n];
    let mut like_ms: Vec<Vec<Duration>> = vec![Vec::new(); n];
    let mut hits = vec![(0i64, 0i64); n];
    // One warm-up round, then `rounds` measured ones, each query through the three paths in turn.
    for round in 0..=rounds {
        for (k, p) in PROBES.iter().enumerate() {
            let filter = filter_of(p);
            let t = Instant::now();
            let page = search_resources(
                app,
                &member,
                SearchInput {
                    q: p.q.map(str::to_owned),
                    share_attr: p.share_attr.map(str::to_owned),
                    limit: Some(PAGE),
                    ..SearchInput::default()
                },
            )
            .await
            .map_err(|e| anyhow!("search {}: {e:?}", p.label))?;
            let a = t.elapsed();

            let text = p.q.and_then(Query::parse).map(|q| Match {
                fts5: q.to_fts5(),
                tsquery: q.to_tsquery(),
            });
            let t = Instant::now();
            let mut tx = app.db().begin_read().await?;
            let found = store::search(
                &mut tx,
                text.as_ref(),
                &filter,
                &visibility,
                Sort::Relevance,
                0,
                PAGE,
            )
            .await?;
            tx.rollback().await?;
            let s = t.elapsed();

            let t = Instant::now();
            let mut tx = app.db().begin_read().await?;
            let like = store::like_scan(&mut tx, p.q, &filter, &visibility, 0, PAGE).await?;
            tx.rollback().await?;
            let l = t.elapsed();

            if total(&found) != page.total
                || !found
                    .rows
                    .iter()
                    .map(|r| &r.id)
                    .eq(page.items.iter().map(|i| &i.id))
            {
                bail!("{}: the action and the store disagree", p.label);
            }
            hits[k] = (page.total, total(&like));
            if round > 0 {
                action_ms[k].push(a);
                store_ms[k].push(s);
                like_ms[k].push(l);
            }
        }
    }

    println!();
    println!(
        "{:<22} {:>7} {:>9} │ {:>8} {:>8} {:>8} {:>8} │ {:>10}",
        "query", "hits", "LIKE hits", "LIKE", "store", "action", "action", "store/LIKE"
    );
    println!(
        "{:<22} {:>7} {:>9} │ {:>8} {:>8} {:>8} {:>8} │ {:>10}",
        "", "", "", "p50 ms", "p50 ms", "p50 ms", "p95 ms", "p50"
    );
    for (k, p) in PROBES.iter().enumerate() {
        let l = quantile(&mut like_ms[k], 0.5);
        let s = quantile(&mut store_ms[k], 0.5);
        let a = quantile(&mut action_ms[k], 0.5);
        let a95 = quantile(&mut action_ms[k], 0.95);
        // Pad by display width: a Han character takes two columns.
        let width: usize = p
            .label
            .chars()
            .map(|c| if c.is_ascii() { 1 } else { 2 })
            .sum();
        println!(
            "{}{} {:>7} {:>9} │ {l:>8.2} {s:>8.2} {a:>8.2} {a95:>8.2} │ {:>9.1}%",
            p.label,
            " ".repeat(22usize.saturating_sub(width)),
            hits[k].0,
            hits[k].1,
            100.0 * s / l
        );
    }
    println!(
        "(hits: the full-text search's total; LIKE hits: the baseline's, which must find the \
         query as one substring — GDP统计 finds GDP and 统计 anywhere in an entry, LIKE only \
         \"GDP统计\")"
    );
    let all = |v: &[Vec<Duration>]| v.concat();
    let (mut like, mut st, mut ac) = (all(&like_ms), all(&store_ms), all(&action_ms));
    println!();
    println!(
        "all queries, {} runs a path ({rounds} rounds of {n} queries, after one warm-up round):",
        like.len()
    );
    println!("{:<38} {:>9} {:>9} {:>9}", "", "p50 ms", "p95 ms", "p99 ms");
    let lq = [
        quantile(&mut like, 0.5),
        quantile(&mut like, 0.95),
        quantile(&mut like, 0.99),
    ];
    println!(
        "{:<38} {:>9.2} {:>9.2} {:>9.2}",
        "LIKE scan, page + facets (baseline)", lq[0], lq[1], lq[2]
    );
    for (label, v) in [
        ("store search, page + facets", &mut st),
        ("action search_resources (+ audit)", &mut ac),
    ] {
        let q = [quantile(v, 0.5), quantile(v, 0.95), quantile(v, 0.99)];
        println!(
            "{label:<38} {:>9.2} {:>9.2} {:>9.2}   ({:.1}% / {:.1}% / {:.1}% of the baseline)",
            q[0],
            q[1],
            q[2],
            100.0 * q[0] / lq[0],
            100.0 * q[1] / lq[1],
            100.0 * q[2] / lq[2]
        );
    }
    let p95 = quantile(&mut ac, 0.95);
    println!(
        "target p95 ≤ 20 ms (DESIGN §7), through the action: {}",
        if p95 <= 20.0 { "met" } else { "MISSED" }
    );
    Ok(())
}
