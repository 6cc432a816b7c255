//! The demo city's catalog: its units' resources (信息资源) with their fields (信息项), the
//! information systems they come from, and two duty changes. Everything goes through the
//! catalog's actions, so each step is checked by the rules and recorded in the audit log.
//!
//! The resources are written in a small line format ([`CATALOG`]), parsed at load time:
//!
//! ```text
//! @<unit> <code> <name>                        a new resource of a unit (slug of demo::UNITS)
//! summary <text>
//! meta <theme> | <format> | <cycle> | <methods, comma-separated or -> | <grade>
//! tags <tag>、<tag>、…
//! share unconditional | share conditional: <condition> | share not_shared: <legal basis>
//! open unconditional | open conditional: <condition> | open not_open
//! system <name of the unit's information system>   (optional)
//! related <code of a resource listed earlier>      (optional, repeatable)
//! agg no                                         (optional: not aggregated into the platform)
//! status draft | submitted | returned: <reason>  (optional; published by default)
//! - <code> <name> <type> [key] [req] [uscc|cid] [s] [g2|g3|g4] [| <description>]
//! ```
//!
//! A field line names the column code, its Chinese name, its type letter, then flags: `key`
//! (a key field), `req` (required), `uscc` / `cid` (the identifier kind it holds), `s`
//! (sensitive) and its grade (1 unless `g2`–`g4`).

use crate::catalog::duty::{DutyChangeInput, record_duty_change};
use crate::catalog::resources::{
    approve_resource, create_resource, return_resource, submit_resource,
};
use crate::catalog::systems::{
    SystemInput, approve_system, create_system, set_system_status, submit_system,
};
use crate::{ActionError, App};
use pubdata_core::Actor;
use pubdata_core::catalog::rules::category_of_code;
use pubdata_core::catalog::{
    Field, FieldType, IdentifierKind, OpenAttr, ResourceDoc, ResourceFormat, ShareAttr,
    ShareMethod, SystemStatus, UpdateCycle,
};
use std::collections::HashMap;

/// The information systems: (unit, name, the status it reaches, purpose). A system that
/// reaches `approved` or beyond declares published resources only (the approval rule); the
/// resources name their system with `system` in [`CATALOG`].
pub const SYSTEMS: &[(&str, &str, &str, &str)] = &[
    (
        "market",
        "市场主体登记系统",
        "in_service",
        "办理企业、个体工商户、农民专业合作社的设立、变更、注销登记，生成营业执照并归集登记信息。",
    ),
    (
        "police",
        "人口管理信息系统",
        "in_service",
        "办理户口登记、迁移和居住证签发，维护全市户籍人口与流动人口基础信息。",
    ),
    (
        "water",
        "营业收费系统",
        "in_service",
        "供水用户开户、抄表、计费、收费和欠费管理，支撑线上缴费与账单推送。",
    ),
    (
        "bus",
        "公交智能调度系统",
        "in_service",
        "公交线路与站点管理、车辆实时定位、智能排班和到站预报。",
    ),
    (
        "health",
        "全民健康信息平台",
        "in_service",
        "汇聚全市医疗机构的诊疗、公共卫生和出生医学证明信息，支撑医疗机构监管与便民服务。",
    ),
    (
        "nrp",
        "不动产登记信息管理平台",
        "in_service",
        "办理不动产首次、转移、变更、抵押、查封登记，发放不动产权证书和登记证明。",
    ),
    (
        "hrss",
        "社会保险经办管理信息系统",
        "approved",
        "社会保险参保登记、缴费核定和待遇发放的一体化经办（升级改造项目，已批复，建设中）。",
    ),
    (
        "eco",
        "生态环境监测监控平台",
        "under_review",
        "接入重点排污单位自动监测设备和空气、水环境质量监测站点，实现超标预警。",
    ),
    (
        "housing",
        "智慧工地监管平台",
        "planned",
        "对在建房屋建筑和市政工程的人员实名制、扬尘、塔吊等进行在线监管（前期规划中）。",
    ),
    (
        "transport",
        "城市停车诱导系统",
        "retired",
        "发布公共停车场泊位信息并诱导停车（项目已并入城市交通综合监管平台，不再单独建设）。",
    ),
];

/// The duty changes: (unit, days before today, what changed, its legal source). The first
/// opens a review task not yet due; the second one long overdue.
pub const DUTY_CHANGES: &[(&str, u64, &str, &str)] = &[
    (
        "market",
        3,
        "新增经营主体歇业备案事项，市场主体登记信息须增加歇业起止日期和法律文书送达地址等信息项。",
        "《中华人民共和国市场主体登记管理条例》第三十条；《澜江市市场主体登记管理若干规定》",
    ),
    (
        "health",
        63,
        "市卫生健康委员会承接市医疗保障局划转的医疗服务价格监测职责，须将医疗服务价格信息纳入本单位目录。",
        "《澜江市机构改革方案》；市委编办关于调整市卫生健康委员会职责的通知",
    ),
];

/// The catalog of the demo city, in the line format described above.
pub const CATALOG: &str = r#"
@bigdata 1/04/001/0001 电子证照目录信息
summary 全市各部门签发的电子证照类型目录，含证照类型、颁发机构和有效期规则，供各部门调用电子证照时对照。
meta 电子证照 | database | daily | api | 2
tags 电子证照、证照目录、一网通办
share unconditional
open not_open
- license_type_code 证照类型代码 C key
- license_type 证照类型名称 C req
- issuer 颁发机构 C req
- issuer_uscc 颁发机构统一社会信用代码 C uscc
- holder_kind 持证主体类别 C | 自然人、法人或其他组织
- valid_years 有效期限（年） I
- updated_at 更新时间 T g2

@bigdata 3/01/001/0001 政务服务事项目录
summary 全市依申请政务服务事项的编码、名称、实施部门、设定依据、承诺时限和网办深度。
meta 政务服务 | database | weekly | api,file | 1
tags 政务服务、事项清单、办事指南
share unconditional
open unconditional
- item_code 事项编码 C key
- item_name 事项名称 C req
- item_type 事项类型 C
- dept_name 实施部门 C
- legal_basis 设定依据 M
- time_limit 承诺办结时限（工作日） I
- charged 是否收费 L
- online_level 网办深度 C

@bigdata 3/01/002/0001 12345热线工单信息
summary 12345政务服务便民热线受理的诉求工单，含诉求内容、承办单位、办理状态和回访评价。
meta 政务服务 | database | realtime | api | 3
tags 12345、热线、诉求、工单
share conditional: 仅共享给工单的承办单位和督办单位，用于办理、督办和回访；来电人姓名和号码按规则脱敏。
open not_open
- ticket_no 工单编号 C key
- received_at 受理时间 T req
- caller_name 来电人姓名 C s g3
- caller_mobile 来电号码 C s g3
- category 诉求类别 C
- content 诉求内容 M s g3
- handler_org 承办单位 C
- due_date 办理时限 D
- state 办理状态 C
- satisfaction 满意度评价 C

@police 1/01/001/0001 户籍人口基本信息
summary 全市户籍人口的身份、户籍地址和户籍关系信息，按公民身份号码逐条核验。
meta 人口 | database | daily | api,table | 4
tags 户籍、人口、身份核验
share conditional: 仅限政务部门依法履职时按公民身份号码逐条核验，不得批量下载；须经市公安局审核同意。
open not_open
system 人口管理信息系统
- citizen_id 公民身份号码 C key cid s g4
- name 姓名 C req s g3
- gender 性别 C g2
- ethnicity 民族 C g2
- birth_date 出生日期 D s g3
- birthplace 出生地 C g3
- domicile_address 户籍地址 C s g3
- household_no 户号 C g3
- relation_to_head 与户主关系 C g3
- police_station 户籍所属派出所 C
- settled_on 落户日期 D g2

@police 1/01/002/0001 居住证信息
summary 在本市居住半年以上的非户籍人员居住证的签发和有效期信息。
meta 人口 | database | daily | api | 3
tags 居住证、流动人口、积分入学
share conditional: 用于积分入学、公共租赁住房、社会保险等居住证持有人待遇的资格核验。
open not_open
system 人口管理信息系统
- permit_no 居住证编号 C key g2
- citizen_id 公民身份号码 C req cid s g3
- name 姓名 C s g3
- residence_address 居住地址 C s g3
- issued_on 签发日期 D
- valid_until 有效期至 D
- station 签发派出所 C

@police 3/02/001/0001 机动车登记信息
summary 本市登记的机动车的号牌、车型、所有人和检验有效期信息。
meta 交通出行 | database | daily | api | 3
tags 机动车、车辆登记、号牌
share conditional: 用于交通运输执法、停车收费和保险理赔核验；车辆所有人信息按规则脱敏。
open not_open
- plate_no 号牌号码 C key
- plate_type 号牌种类 C key
- vehicle_type 车辆类型 C
- brand_model 品牌型号 C
- owner_name 所有人 C s g3
- first_reg_date 初次登记日期 D
- fuel_type 燃料种类 C
- vehicle_state 机动车状态 C
- inspection_valid_until 检验有效期止 D

@police 3/02/002/0001 未成年人犯罪记录封存信息
summary 犯罪时不满十八周岁、被判处五年有期徒刑以下刑罚人员的犯罪记录封存登记。
meta 社会治安 | database | irregular | - | 4
tags 犯罪记录封存、未成年人保护
share not_shared: 《中华人民共和国刑事诉讼法》第二百八十六条：犯罪记录被封存的，不得向任何单位和个人提供，但司法机关为办案需要或者有关单位根据国家规定进行查询的除外。
open not_open
agg no
- record_no 封存记录编号 C key
- citizen_id 公民身份号码 C cid s g4
- name 姓名 C s g4
- judgment_no 判决书文号 C g3
- sealed_on 封存日期 D g2
- court 作出判决的法院 C g2

@police 2/02/001/0001 道路交通事故多发路段
summary 按季度统计的全市道路交通事故多发路段、事故起数和主要成因。
meta 交通出行 | spreadsheet | quarterly | file | 1
tags 交通安全、事故多发路段
share unconditional
open unconditional
- segment_id 路段编号 C key
- road_name 道路名称 C req
- start_point 起点 C
- end_point 终点 C
- accidents 事故起数 I
- main_cause 主要成因 C
- district 所属区县 C

@market 1/02/001/0001 市场主体登记信息
summary 全市企业、个体工商户和农民专业合作社的登记信息。向社会开放除法定代表人身份证号码以外的信息项（与国家企业信用信息公示系统公示范围一致）。
meta 法人 | database | daily | api,table | 3
tags 企业、市场主体、营业执照、登记
share conditional: 用于政务部门依法履职中核验市场主体身份和登记状态；法定代表人身份证号码仅限逐条核验，不得批量获取。
open unconditional
system 市场主体登记系统
- uscc 统一社会信用代码 C key uscc
- ent_name 名称 C req
- ent_type 市场主体类型 C
- legal_rep 法定代表人（负责人） C g2
- legal_rep_id 法定代表人身份证号码 C cid s g3 | 不开放
- reg_capital 注册资本（万元） Y
- est_date 成立日期 D
- business_scope 经营范围 M
- address 住所 C
- reg_authority 登记机关 C
- reg_state 登记状态 C
- approved_on 核准日期 D

@market 1/02/001/0002 市场主体注销信息
summary 已办理注销登记的市场主体名单和注销原因。
meta 法人 | database | daily | api | 1
tags 注销、市场主体
share unconditional
open unconditional
system 市场主体登记系统
related 1/02/001/0001
- uscc 统一社会信用代码 C key uscc
- ent_name 名称 C req
- cancelled_on 注销日期 D
- cancel_reason 注销原因 C
- reg_authority 登记机关 C

@market 3/03/001/0001 行政处罚信息
summary 市场监管部门作出的行政处罚决定，按规定在公示期内向社会公示。
meta 信用 | database | daily | api,file | 2
tags 行政处罚、双公示、信用
share unconditional
open unconditional
- decision_no 行政处罚决定书文号 C key
- party_name 当事人名称 C req
- party_uscc 当事人统一社会信用代码 C uscc
- violation 违法行为类型 C
- facts 主要违法事实 M
- basis 处罚依据 M
- penalty 处罚内容 C
- fine 罚没款金额（万元） Y
- decided_on 处罚决定日期 D
- publicity_until 公示截止期 D g2

@market 3/03/002/0001 食品经营许可信息
summary 食品经营许可证的核发、变更和注销信息。
meta 食品安全 | database | daily | api | 1
tags 食品经营许可、食品安全
share unconditional
open unconditional
- license_no 许可证编号 C key
- operator_name 经营者名称 C req
- uscc 统一社会信用代码 C uscc
- premises 经营场所 C
- main_format 主体业态 C
- items 经营项目 M
- issued_on 发证日期 D
- valid_until 有效期至 D

@market 3/03/003/0001 特种设备使用登记信息
summary 电梯、锅炉、压力容器等特种设备的使用登记和定期检验信息。
meta 安全生产 | database | monthly | table | 2
tags 特种设备、电梯、安全检查
share conditional: 用于应急管理、住房城乡建设部门开展安全检查和事故处置。
open conditional: 面向保险机构和检验检测机构，签署数据安全保密协议后按设备代码查询。
- equipment_code 设备代码 C key
- equipment_type 设备类别 C req
- user_org 使用单位 C
- user_uscc 使用单位统一社会信用代码 C uscc
- location 设备使用地点 C g2
- reg_cert_no 使用登记证编号 C
- next_inspection 下次检验日期 D
- equipment_state 设备状态 C

@hrss 2/04/001/0001 社会保险参保信息
summary 职工和城乡居民基本养老、医疗、失业、工伤保险的参保登记和缴费状态。
meta 社会保障 | database | daily | api | 3
tags 社保、参保、缴费
share conditional: 用于办理落户、入学、公共租赁住房等事项时按公民身份号码核验参保状态和缴费月数。
open not_open
system 社会保险经办管理信息系统
- citizen_id 公民身份号码 C key cid s g3
- insurance_type 险种 C key
- name 姓名 C s g3
- employer_name 参保单位名称 C
- employer_uscc 参保单位统一社会信用代码 C uscc
- joined_on 参保日期 D
- insured_state 参保状态 C
- months_paid 累计缴费月数 I g2

@hrss 2/04/002/0001 养老保险待遇领取信息
summary 基本养老保险待遇领取人员的待遇类型、金额和领取状态。
meta 社会保障 | database | monthly | api | 3
tags 养老金、待遇领取
share conditional: 用于与民政、卫生健康部门的死亡信息比对，防范冒领。
open not_open
system 社会保险经办管理信息系统
- citizen_id 公民身份号码 C key cid s g3
- name 姓名 C s g3
- benefit_type 待遇类型 C
- monthly_amount 月待遇金额（元） Y s g3
- start_month 待遇开始年月 C
- benefit_state 领取状态 C

@hrss 3/04/001/0001 人力资源服务机构名录
summary 取得人力资源服务许可或备案的机构名录及服务范围。
meta 就业创业 | spreadsheet | quarterly | file | 1
tags 人力资源服务、职业介绍
share unconditional
open unconditional
- license_no 许可证编号 C key
- org_name 机构名称 C req
- uscc 统一社会信用代码 C uscc
- address 地址 C
- service_scope 服务范围 M
- phone 联系电话 C

@hrss 3/04/002/0001 职业技能等级证书信息
summary 经备案的评价机构颁发的职业技能等级证书。
meta 就业创业 | database | weekly | api | 3
tags 技能证书、技能补贴
share conditional: 用于人才引进、技能提升补贴申领时核验证书。
open conditional: 经持证人本人授权，向用人单位提供证书真伪核验。
- cert_no 证书编号 C key
- citizen_id 公民身份号码 C cid s g3
- name 姓名 C s g3
- occupation 职业（工种） C
- skill_level 等级 C
- issued_on 发证日期 D
- assessor 评价机构 C

@health 2/01/001/0001 医疗机构基本信息
summary 全市医院、社区卫生服务中心、乡镇卫生院和诊所的名称、类别、等级、地址、床位和诊疗科目。
meta 医疗卫生 | database | monthly | api,file | 1
tags 医院、诊所、社区卫生服务中心、就医
share unconditional
open unconditional
system 全民健康信息平台
- inst_code 医疗机构登记号 C key
- inst_name 机构名称 C req
- uscc 统一社会信用代码 C uscc
- inst_type 机构类别 C | 医院、社区卫生服务中心、乡镇卫生院、诊所等
- hospital_level 医院等级 C
- address 地址 C
- lng 经度 F
- lat 纬度 F
- beds 核定床位数 I
- departments 诊疗科目 M
- phone 咨询电话 C
- clinic_hours 门诊时间 C

@health 2/01/002/0001 医师执业注册信息
summary 在本市注册执业的医师的执业类别、执业范围和主要执业机构。
meta 医疗卫生 | database | weekly | api | 2
tags 医师、执业注册
share unconditional
open unconditional
related 2/01/001/0001
- cert_no 医师执业证书编码 C key
- name 姓名 C g2
- practice_type 执业类别 C
- practice_scope 执业范围 C
- practice_org 主要执业机构 C
- registered_on 注册日期 D

@health 1/01/003/0001 出生医学证明信息
summary 本市助产机构签发的出生医学证明，供新生儿落户、参保和预防接种建档核验。
meta 人口 | database | daily | api | 4
tags 出生医学证明、新生儿、出生一件事
share conditional: 用于新生儿落户、参保和预防接种建档，按证明编号或母亲公民身份号码逐条核验。
open not_open
system 全民健康信息平台
- cert_no 出生医学证明编号 C key
- baby_name 新生儿姓名 C s g3
- gender 性别 C
- birth_time 出生时间 T g3
- birth_weight 出生体重（克） I g3
- mother_name 母亲姓名 C s g3
- mother_citizen_id 母亲身份证号码 C cid s g4
- father_name 父亲姓名 C s g3
- father_citizen_id 父亲身份证号码 C cid s g4
- hospital 助产机构 C

@health 3/05/001/0001 严重精神障碍患者管理信息
summary 在册严重精神障碍患者的诊断、危险性评估和社区随访管理信息。
meta 医疗卫生 | database | monthly | - | 4
tags 精神卫生、社区随访
share not_shared: 《中华人民共和国精神卫生法》第四条第三款：有关单位和个人应当对精神障碍患者的姓名、肖像、住址、工作单位、病历资料以及其他可能推断出其身份的信息予以保密。
open not_open
agg no
- case_no 个案编号 C key
- citizen_id 公民身份号码 C cid s g4
- name 姓名 C s g4
- diagnosis 诊断 C s g4
- risk_level 危险性评估等级 C s g4
- community 管理社区 C g3

@health 2/01/003/0001 预防接种门诊信息
summary 全市预防接种门诊的地址、接种时间和可接种疫苗。
meta 医疗卫生 | spreadsheet | quarterly | file | 1
tags 疫苗、预防接种、儿童保健
share unconditional
open unconditional
- clinic_code 门诊编码 C key
- clinic_name 门诊名称 C req
- address 地址 C
- phone 咨询电话 C
- hours 接种时间 C
- vaccines 可接种疫苗 M

@health 2/01/004/0001 医院号源信息
summary 二级以上医院的实时号源，按科室、日期、时段发布剩余号源。
meta 医疗卫生 | service_interface | realtime | api | 1
tags 预约挂号、号源
share unconditional
open conditional: 面向接入全市统一预约挂号平台的互联网医疗服务机构，签署数据安全协议，不得囤积、倒卖号源。
- slot_id 号源编号 C key
- hospital 医院名称 C
- dept 科室 C
- doctor_title 医师职称 C
- visit_date 就诊日期 D
- period 时段 C
- remaining 剩余号源 I
- fee 挂号费（元） Y

@transport 2/02/002/0001 道路运输经营许可信息
summary 道路旅客运输、货物运输、机动车维修等道路运输经营许可。
meta 交通出行 | database | weekly | api | 1
tags 道路运输、经营许可
share unconditional
open unconditional
- license_no 道路运输经营许可证号 C key
- operator_name 经营者名称 C req
- uscc 统一社会信用代码 C uscc
- business_scope 经营范围 C
- valid_until 有效期至 D
- address 经营地址 C

@transport 2/02/003/0001 网络预约出租汽车驾驶员证信息
summary 在本市取得网络预约出租汽车驾驶员证的人员及其服务平台。
meta 交通出行 | database | daily | api | 3
tags 网约车、驾驶员、从业资格
share conditional: 用于公安、交通运输执法部门核验驾驶员从业资格。
open conditional: 网约车平台公司签署数据安全保密协议后，按证号核验驾驶员从业资格。
- cert_no 证号 C key
- citizen_id 公民身份号码 C cid s g3
- name 姓名 C s g3
- platform 服务平台 C
- issued_on 发证日期 D
- valid_until 有效期至 D
- cert_state 证件状态 C

@transport 2/02/004/0001 公路客运班线信息
summary 从本市发出的公路客运班线的起讫点、途经地、经营者和日发班次。
meta 交通出行 | spreadsheet | monthly | file | 1
tags 客运班线、长途汽车
share unconditional
open unconditional
- route_no 班线编号 C key
- origin 起点 C
- destination 终点 C
- via 途经 C
- operator 经营者 C
- daily_trips 日发班次 I
- distance_km 里程（公里） F

@transport 2/02/005/0001 出租汽车实时位置信息
summary 巡游出租汽车的实时定位、速度和载客状态。
meta 交通出行 | stream | realtime | api | 2
tags 出租车、实时位置、交通运行监测
share conditional: 用于交通运行监测、应急调度和执法取证。
open conditional: 车牌号脱敏、数据延迟15分钟后，向签署数据使用协议的科研机构开放。
- plate_no 车牌号 C key g2
- gps_time 定位时间 T key
- lng 经度 F
- lat 纬度 F
- speed 速度（km/h） F
- heading 方向角 I
- occupied 是否载客 L

@water 2/03/001/0001 供水用户水费账单
summary 居民和非居民供水用户的月度用水量、应缴水费和缴费情况。
meta 公用事业 | database | monthly | api,table | 3
tags 水费、用水量、账单
share conditional: 用于低保、特困人员水费减免核验，以及空置房、独居老人用水异常关怀。
open not_open
system 营业收费系统
- account_no 用户号 C key
- bill_month 账期 C key | YYYY-MM
- account_name 户名 C s g3
- address 用水地址 C s g3
- meter_no 水表编号 C
- usage_m3 用水量（立方米） F
- amount 应缴金额（元） Y
- paid 是否缴清 L
- paid_at 缴费时间 T

@water 2/03/002/0001 停水计划公告
summary 计划停水和抢修停水的区域、时间和原因。
meta 公用事业 | self_describing | irregular | api | 1
tags 停水、公告
share unconditional
open unconditional
system 营业收费系统
- notice_no 公告编号 C key
- area 停水区域 M
- start_at 开始时间 T
- end_at 预计恢复时间 T
- reason 停水原因 C
- hotline 服务热线 C

@water 2/03/003/0001 出厂水水质检测信息
summary 各水厂出厂水的浑浊度、余氯、pH值和微生物指标检测结果。
meta 公用事业 | spreadsheet | monthly | api,file | 1
tags 水质、饮用水安全
share unconditional
open unconditional
- plant 水厂 C key
- sampled_on 检测日期 D key
- turbidity 浑浊度（NTU） N
- free_chlorine 游离氯（mg/L） N
- ph pH值 N
- coliform 总大肠菌群 C
- qualified 是否合格 L

@water 3/07/001/0001 供水管网设施信息
summary 供水管段的材质、管径、敷设年份和空间位置。
meta 城市建设 | database | quarterly | table | 2
tags 供水管网、地下管线
share conditional: 用于施工许可审查和地下管线保护，使用前须经水务集团确认。
open not_open
- pipe_id 管段编号 C key
- material 材质 C
- diameter_mm 管径（毫米） I
- laid_year 敷设年份 I
- depth_m 埋深（米） F
- geometry 空间位置 G g2

@power 2/03/004/0001 居民用电量信息
summary 居民用户的月度用电量和电费。
meta 公用事业 | database | monthly | table | 3
tags 用电量、电费、空置房
share conditional: 用于空置房识别、独居老人关怀和低收入家庭认定辅助核验，按户号查询。
open not_open
- account_no 户号 C key
- month 年月 C key
- account_name 户名 C s g3
- address 用电地址 C s g3
- kwh 用电量（千瓦时） F
- amount 电费（元） Y

@power 2/03/005/0001 计划停电信息
summary 计划检修停电的区域、时间和原因。
meta 公用事业 | self_describing | irregular | api | 1
tags 停电、检修
share unconditional
open unconditional
- notice_no 公告编号 C key
- area 停电区域 M
- start_at 开始时间 T
- end_at 预计恢复时间 T
- reason 停电原因 C

@power 2/08/001/0001 分行业用电量统计
summary 全社会用电量按行业的月度统计和同比增速。
meta 经济统计 | spreadsheet | monthly | file | 1
tags 用电量、经济运行
share unconditional
open unconditional
- month 年月 C key
- industry 行业 C key
- kwh_10k 用电量（万千瓦时） F
- yoy_pct 同比增长（%） N

@power 2/03/006/0001 电动汽车充电站信息
summary 公共充电站的位置、快慢充桩数量和服务费标准。
meta 交通出行 | database | weekly | api | 1
tags 充电桩、新能源汽车
share unconditional
open unconditional
- station_code 充电站编号 C key
- station_name 充电站名称 C req
- address 地址 C
- lng 经度 F
- lat 纬度 F
- fast_piles 快充桩数 I
- slow_piles 慢充桩数 I
- service_fee 服务费（元/千瓦时） Y
- hours 开放时间 C

@bus 2/02/006/0001 公交线路信息
summary 全市公交线路的首末站、首末班时间、票价和线路长度。
meta 交通出行 | database | monthly | api,file | 1
tags 公交、线路、首末班
share unconditional
open unconditional
system 公交智能调度系统
- line_no 线路编号 C key
- line_name 线路名称 C req
- first_stop 首站 C
- last_stop 末站 C
- first_bus 首班时间 C
- last_bus 末班时间 C
- fare 票价（元） Y
- length_km 线路长度（公里） F
- operator 运营单位 C

@bus 2/02/006/0002 公交站点信息
summary 公交站点的位置、途经线路和候车亭设置。
meta 交通出行 | database | monthly | api,file | 1
tags 公交、站点
share unconditional
open unconditional
system 公交智能调度系统
related 2/02/006/0001
- stop_id 站点编号 C key
- stop_name 站点名称 C req
- lng 经度 F
- lat 纬度 F
- district 所属区县 C
- lines 途经线路 C
- shelter 是否有候车亭 L

@bus 2/02/006/0003 公交车辆实时位置
summary 运营公交车辆的实时位置、速度和下一站，支撑到站预报。
meta 交通出行 | stream | realtime | api | 1
tags 公交、实时公交、到站预报
share unconditional
open unconditional
system 公交智能调度系统
related 2/02/006/0001
- vehicle_no 车辆自编号 C key
- gps_time 定位时间 T key
- line_no 线路编号 C
- lng 经度 F
- lat 纬度 F
- speed 速度（km/h） F
- next_stop 下一站 C

@bus 3/09/001/0001 公交IC卡刷卡记录
summary 公交IC卡和扫码乘车的刷卡交易记录，用于客流分析和线网优化。
meta 交通出行 | database | daily | table | 3
tags 客流、刷卡、交通规划
share conditional: 仅用于交通规划客流分析，卡号须加密处理。
open conditional: 卡号脱敏并按站点、小时汇总后，向签署数据安全保密协议的科研机构开放。
- txn_id 交易流水号 C key
- card_no 卡号 C s g3
- txn_time 刷卡时间 T
- line_no 线路编号 C
- vehicle_no 车辆自编号 C
- boarding_stop 上车站点 C
- fare 扣款金额（元） Y
- card_type 卡类型 C

@civil 1/01/004/0001 婚姻登记信息
summary 结婚、离婚和补领婚姻登记证的登记信息。
meta 人口 | database | daily | api | 4
tags 婚姻登记、婚姻状况
share conditional: 用于办理落户、住房公积金提取、不动产登记等事项时，按公民身份号码逐条核验婚姻状况。
open not_open
- reg_no 登记证字号 C key
- reg_type 登记类别 C
- man_name 男方姓名 C s g3
- man_citizen_id 男方身份证号码 C cid s g4
- woman_name 女方姓名 C s g3
- woman_citizen_id 女方身份证号码 C cid s g4
- reg_date 登记日期 D g3
- reg_office 登记机关 C

@civil 1/02/002/0001 社会组织登记信息
summary 社会团体、民办非企业单位和基金会的登记信息。
meta 法人 | database | weekly | api | 2
tags 社会组织、社会团体、民办非企业单位
share unconditional
open unconditional
- uscc 统一社会信用代码 C key uscc
- org_name 名称 C req
- org_type 类型 C
- legal_rep 法定代表人 C g2
- supervisor 业务主管单位 C
- reg_date 登记日期 D
- address 住所 C
- org_state 登记状态 C

@civil 2/04/003/0001 最低生活保障对象信息
summary 城乡最低生活保障家庭的户主、保障人数和保障金额。
meta 社会保障 | database | monthly | api | 3
tags 低保、社会救助
share conditional: 用于医疗救助、教育资助和水电气费减免等救助事项的资格核验。
open not_open
- family_no 家庭编号 C key
- head_name 户主姓名 C s g3
- head_citizen_id 户主身份证号码 C cid s g3
- members 保障人数 I
- monthly_amount 月保障金（元） Y g3
- street 所属街道 C
- start_month 纳入年月 C

@civil 2/04/004/0001 养老服务机构信息
summary 养老院、社区养老服务中心的床位、护理能力和等级评定。
meta 社会保障 | database | quarterly | api,file | 1
tags 养老、养老院
share unconditional
open unconditional
- uscc 统一社会信用代码 C key uscc
- inst_name 机构名称 C req
- inst_type 机构类型 C
- beds 床位数 I
- nursing_beds 护理型床位数 I
- address 地址 C
- phone 联系电话 C
- star_rating 等级 C

@civil 1/03/003/0001 标准地名信息
summary 经批准的行政区域、街巷、住宅区和自然地理实体的标准地名。
meta 地理信息 | database | irregular | api | 1
tags 地名、门牌
share unconditional
open unconditional
- name_code 地名代码 C key
- std_name 标准名称 C req
- name_type 地名类别 C
- district 所在政区 C
- lng 经度 F
- lat 纬度 F
- origin 地名含义 M

@edu 2/05/001/0001 中小学校基本信息
summary 全市中小学校的办学类型、举办者、地址和施教区范围。
meta 教育 | database | half_yearly | api,file | 1
tags 学校、施教区、入学
share unconditional
open unconditional
- school_code 学校标识码 C key
- school_name 学校名称 C req
- uscc 统一社会信用代码 C uscc
- school_type 办学类型 C
- sponsor_type 举办者类型 C | 公办或民办
- address 地址 C
- lng 经度 F
- lat 纬度 F
- phone 联系电话 C
- catchment 施教区范围 M

@edu 2/05/002/0001 中小学生学籍信息
summary 本市中小学在籍学生的学籍、就读学校和监护人信息。
meta 教育 | database | monthly | api | 4
tags 学籍、学生资助
share conditional: 用于义务教育入学资格和学生资助核验，按全国学籍号或公民身份号码逐条查询。
open not_open
- student_no 全国学籍号 C key
- citizen_id 公民身份号码 C cid s g4
- name 姓名 C s g3
- gender 性别 C
- birth_date 出生日期 D s g3
- school_code 学校标识码 C
- grade_class 年级班级 C g2
- guardian_name 监护人姓名 C s g3
- guardian_mobile 监护人联系电话 C s g3
- enrolment_state 学籍状态 C

@edu 3/11/001/0001 校外培训机构信息
summary 经审批的校外培训机构的办学许可、培训类别和预收费资金监管银行。
meta 教育 | database | monthly | api | 1
tags 校外培训、办学许可
share unconditional
open unconditional
- uscc 统一社会信用代码 C key uscc
- inst_name 机构名称 C req
- permit_no 办学许可证号 C
- subjects 培训类别 C
- address 地址 C
- custody_bank 资金监管银行 C

@nrp 1/03/001/0001 不动产登记信息
summary 土地、房屋等不动产的权利人、坐落、用途、面积和抵押、查封状态。
meta 自然资源 | database | daily | api | 3
tags 不动产、房产、产权
share conditional: 用于税务、住房城乡建设、法院等部门依法查询；查询权利人信息须注明办理事项及其依据。
open not_open
system 不动产登记信息管理平台
- unit_no 不动产单元号 C key
- cert_no 不动产权证书号 C
- owner_name 权利人 C s g3
- owner_citizen_id 权利人身份证号码 C cid s g3
- location 坐落 C g2
- right_type 权利类型 C
- usage 用途 C
- area_m2 面积（平方米） F
- reg_date 登记日期 D
- mortgaged 是否抵押 L
- sealed 是否查封 L

@nrp 1/03/002/0001 国土空间总体规划图件
summary 经批准的市级国土空间总体规划图件，按图幅提供。
meta 自然资源 | image | yearly | file | 1
tags 国土空间规划、规划图
share unconditional
open unconditional
agg no
- sheet_no 图幅号 C
- title 图名 C
- scale 比例尺 C
- approval_no 批复文号 C
- image 图件 B

@nrp 1/03/004/0001 建设用地使用权出让信息
summary 国有建设用地使用权招拍挂出让结果。
meta 自然资源 | database | monthly | api,file | 1
tags 土地出让、招拍挂
share unconditional
open unconditional
- parcel_no 宗地编号 C key
- location 坐落 C
- area_m2 面积（平方米） F
- usage 用途 C
- term_years 出让年限 I
- price_10k 成交价（万元） Y
- transferee 受让人 C
- transferee_uscc 受让人统一社会信用代码 C uscc
- deal_date 成交日期 D

@nrp 3/12/001/0001 地质灾害隐患点信息
summary 滑坡、崩塌、泥石流等地质灾害隐患点的位置和威胁对象。
meta 自然资源 | database | half_yearly | api | 1
tags 地质灾害、防灾减灾
share unconditional
open unconditional
- point_id 隐患点编号 C key
- point_name 隐患点名称 C req
- hazard_type 灾害类型 C
- location 位置 C
- lng 经度 F
- lat 纬度 F
- people_at_risk 威胁人数 I
- property_at_risk 威胁财产（万元） Y

@housing 2/07/001/0001 商品房预售许可信息
summary 商品房预售许可证的项目、开发企业、套数和面积。
meta 城市建设 | database | weekly | api | 1
tags 商品房、预售许可
share unconditional
open unconditional
- permit_no 预售许可证号 C key
- project_name 项目名称 C req
- developer 开发企业 C
- developer_uscc 开发企业统一社会信用代码 C uscc
- location 坐落 C
- units 套数 I
- area_m2 预售面积（平方米） F
- issued_on 发证日期 D

@housing 2/07/002/0001 建筑工程施工许可信息
summary 房屋建筑和市政基础设施工程施工许可。
meta 城市建设 | database | weekly | api,file | 1
tags 施工许可、工程建设
share unconditional
open unconditional
- permit_no 施工许可证编号 C key
- project_name 工程名称 C req
- builder 建设单位 C
- builder_uscc 建设单位统一社会信用代码 C uscc
- contractor 施工单位 C
- contract_price 合同价格（万元） Y
- area_m2 建筑面积（平方米） F
- issued_on 发证日期 D

@housing 2/04/005/0001 公共租赁住房保障对象信息
summary 公共租赁住房保障家庭的申请人、配租小区和租金。
meta 社会保障 | database | monthly | api | 3
tags 公租房、住房保障
share conditional: 用于公共租赁住房资格年度复核，按公民身份号码比对收入、房产和车辆情况。
open not_open
- family_no 保障家庭编号 C key
- applicant_name 申请人姓名 C s g3
- applicant_citizen_id 申请人身份证号码 C cid s g3
- members 家庭人数 I
- estate 配租小区 C
- rent 月租金（元） Y
- start_date 配租日期 D

@housing 3/13/001/0001 物业服务企业信息
summary 在本市从事物业服务的企业、在管项目数量和信用评价。
meta 城市建设 | database | quarterly | api | 1
tags 物业服务、信用评价
share unconditional
open unconditional
status draft
- uscc 统一社会信用代码 C key uscc
- ent_name 企业名称 C req
- projects 在管项目数 I
- managed_area 在管面积（万平方米） F
- credit_rating 信用评价等级 C

@eco 2/06/001/0001 空气质量实时监测数据
summary 国控、省控空气质量监测站点的小时监测数据和空气质量指数。
meta 生态环境 | service_interface | realtime | api | 1
tags 空气质量、AQI、PM2.5
share unconditional
open unconditional
- station_code 监测点位编码 C key
- station_name 监测点位名称 C
- monitor_time 监测时间 T key
- aqi 空气质量指数 I
- pm25 PM2.5（μg/m³） F
- pm10 PM10（μg/m³） F
- o3 臭氧（μg/m³） F
- no2 二氧化氮（μg/m³） F
- so2 二氧化硫（μg/m³） F
- co 一氧化碳（mg/m³） F
- primary_pollutant 首要污染物 C
- aqi_level 空气质量级别 C

@eco 2/06/002/0001 重点排污单位自动监测数据
summary 重点排污单位排放口的污染物浓度小时数据和超标情况，依法向社会公开。
meta 生态环境 | database | realtime | api | 1
tags 排污、自动监测、超标预警
share unconditional
open unconditional
system 生态环境监测监控平台
status submitted
- uscc 统一社会信用代码 C key uscc
- outlet_code 排放口编号 C key
- monitor_time 监测时间 T key
- pollutant 污染物 C key
- unit_name 排污单位名称 C
- concentration 浓度 F
- standard_limit 标准限值 F
- exceeded 是否超标 L

@eco 2/06/003/0001 排污许可证信息
summary 排污许可证的核发、变更和主要污染物许可排放量。
meta 生态环境 | database | weekly | api | 1
tags 排污许可
share unconditional
open unconditional
status draft
- permit_no 排污许可证编号 C key
- uscc 统一社会信用代码 C uscc
- unit_name 单位名称 C
- industry 行业类别 C
- valid_until 有效期至 D
- main_pollutants 主要污染物及许可排放量 M

@eco 2/06/004/0001 建设项目环境影响评价审批信息
summary 建设项目环境影响报告书（表）的审批结果和报告全文。
meta 生态环境 | electronic_file | irregular | file | 1
tags 环评、审批
share unconditional
open unconditional
- approval_no 批复文号 C key
- project_name 项目名称 C req
- builder 建设单位 C
- builder_uscc 建设单位统一社会信用代码 C uscc
- location 建设地点 C
- approved_on 批复日期 D
- report 报告全文 B

@stats 2/08/002/0001 地区生产总值季度数据
summary 全市及各区县地区生产总值、三次产业增加值的季度核算数据。
meta 经济统计 | spreadsheet | quarterly | api,file | 1
tags GDP、地区生产总值、经济运行
share unconditional
open unconditional
- period 统计期 C key
- region 地区 C key
- indicator 指标 C key
- value 数值（亿元） N
- yoy_pct 同比增长（%） N

@stats 2/08/003/0001 国民经济和社会发展统计公报
summary 每年发布的澜江市国民经济和社会发展统计公报全文。
meta 经济统计 | electronic_file | yearly | file | 1
tags 统计公报
share unconditional
open unconditional
agg no
- year 年度 I
- title 标题 C
- published_on 发布日期 D
- body 公报全文 M

@stats 3/15/001/0001 规模以上工业企业统计调查原始资料
summary 规模以上工业企业按月报送的产值、营业收入、从业人员和能源消费原始资料。
meta 经济统计 | database | monthly | - | 3
tags 统计调查、规上工业
share not_shared: 《中华人民共和国统计法》（2009年修订）第二十五条：统计调查中获得的能够识别或者推断单个统计调查对象身份的资料，任何单位和个人不得对外提供、泄露，不得用于统计以外的目的。
open not_open
agg no
- uscc 统一社会信用代码 C key uscc
- period 报告期 C key
- output_value 工业总产值（千元） Y g3
- revenue 营业收入（千元） Y g3
- employees 从业人员期末人数 I g3
- energy_tce 综合能源消费量（吨标准煤） F g3

@stats 2/08/004/0001 居民消费价格指数
summary 居民消费价格分类指数的月度同比和环比。
meta 经济统计 | spreadsheet | monthly | file | 1
tags CPI、物价
share unconditional
open unconditional
- month 年月 C key
- category 类别 C key
- index_yoy 同比指数 N
- index_mom 环比指数 N

@citygas 2/03/007/0001 管道燃气用户用气信息
summary 管道燃气用户的月度用气量、燃气费和最近一次入户安检日期。
meta 公用事业 | database | monthly | table | 3
tags 燃气、用气量、入户安检
share conditional: 用于独居老人关怀和燃气安全监管，按户号查询。
open not_open
- account_no 户号 C key
- month 年月 C key
- account_name 户名 C s g3
- address 用气地址 C s g3
- usage_m3 用气量（立方米） F
- amount 燃气费（元） Y
- last_check 最近安检日期 D

@citygas 2/03/008/0001 燃气安全隐患排查信息
summary 入户安检和管网巡查发现的燃气安全隐患及整改情况。
meta 安全生产 | database | weekly | api | 3
tags 燃气安全、隐患排查
share conditional: 用于住房城乡建设、应急管理部门督促隐患整改。
open not_open
- check_id 排查记录编号 C key
- address 隐患地址 C s g3
- hazard_type 隐患类型 C
- found_on 发现日期 D
- rectified 是否已整改 L
- rectified_on 整改日期 D

@citygas 3/16/001/0001 燃气营业网点信息
summary 燃气营业厅和服务网点的地址、营业时间和联系电话。
meta 公用事业 | spreadsheet | half_yearly | file | 1
tags 燃气、营业厅
share unconditional
open unconditional
- site_id 网点编号 C key
- site_name 网点名称 C req
- address 地址 C
- lng 经度 F
- lat 纬度 F
- hours 营业时间 C
- phone 联系电话 C

@heat 2/03/009/0001 供热用户缴费信息
summary 集中供热用户每个采暖季的收费面积、应缴热费和缴费情况。
meta 公用事业 | database | yearly | table | 2
tags 供热、热费、采暖
share unconditional
open not_open
status returned: 信息项“户名”（account_name）和“联系电话”（mobile）为个人信息，目前分级为1级，应不低于3级，资源分级须相应调为3级；含个人信息的资源不宜无条件共享，请改为有条件共享并写明共享条件后重新提交。
- account_no 用户编号 C key
- season 采暖季 C key | 如 2026-2027
- account_name 户名 C
- mobile 联系电话 C
- address 供热地址 C g2
- area_m2 收费面积（平方米） F
- amount 应缴热费（元） Y
- paid 是否缴清 L
- paid_at 缴费时间 T

@heat 2/03/010/0001 供热范围及热源信息
summary 各供热片区的热源、供热面积、开栓和停暖日期及服务电话。
meta 公用事业 | database | yearly | api | 1
tags 供热、采暖季、热源
share unconditional
open unconditional
- zone_id 供热片区编号 C key
- zone_name 供热片区名称 C req
- heat_source 热源 C
- area_10k_m2 供热面积（万平方米） F
- season_start 开栓日期 D
- season_end 停暖日期 D
- hotline 服务电话 C

@heat 3/17/001/0001 居民室温监测数据
summary 供热季居民户内室温监测点的实时温度，用于供热质量监管和投诉核查。
meta 公用事业 | stream | realtime | api | 2
tags 室温、供热质量
share conditional: 用于供热质量监管和供热投诉核查。
open conditional: 按小区汇总为小时平均温度后，向签署数据使用协议的单位开放。
status submitted
- sensor_id 监测点编号 C key
- reading_time 采集时间 T key
- community 小区 C g2
- building 楼栋 C g2
- temp_c 室温（℃） F
"#;

/// Where a demo resource is left in its review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemoStatus {
    Draft,
    Submitted,
    Returned(String),
    Published,
}

/// One resource of [`CATALOG`], parsed; the provider and the system are named by the unit's
/// slug and the system's name until loading finds their ids.
#[derive(Debug, Clone)]
pub struct DemoResource {
    pub unit: String,
    pub system: Option<String>,
    /// Codes of resources listed earlier.
    pub related: Vec<String>,
    pub status: DemoStatus,
    pub doc: ResourceDoc,
}

fn parse_field(line: &str) -> Result<Field, String> {
    let (spec, description) = match line.split_once('|') {
        Some((s, d)) => (s, d.trim()),
        None => (line, ""),
    };
    let mut words = spec.split_whitespace();
    let (Some(code), Some(name), Some(ty)) = (words.next(), words.next(), words.next()) else {
        return Err("a field needs a code, a name and a type".into());
    };
    let mut f = Field {
        name: name.into(),
        code: code.into(),
        field_type: FieldType::parse(ty).ok_or_else(|| format!("unknown type {ty}"))?,
        is_key: false,
        identifier: None,
        sensitive: false,
        grade: 1,
        required: false,
        description: description.into(),
        rules: Default::default(),
    };
    for flag in words {
        match flag {
            "key" => f.is_key = true,
            "req" => f.required = true,
            "uscc" => f.identifier = Some(IdentifierKind::Uscc),
            "cid" => f.identifier = Some(IdentifierKind::CitizenId),
            "s" => f.sensitive = true,
            "g2" => f.grade = 2,
            "g3" => f.grade = 3,
            "g4" => f.grade = 4,
            other => return Err(format!("unknown field flag {other}")),
        }
    }
    Ok(f)
}

/// `<word>` or `<word>: <text>`.
fn attr_and_text(s: &str) -> (&str, &str) {
    match s.split_once(':') {
        Some((a, t)) => (a.trim(), t.trim()),
        None => (s.trim(), ""),
    }
}

fn parse_meta(doc: &mut ResourceDoc, rest: &str) -> Result<(), String> {
    let parts: Vec<&str> = rest.split('|').map(str::trim).collect();
    let [theme, format, cycle, methods, grade] = parts[..] else {
        return Err("meta needs theme | format | cycle | methods | grade".into());
    };
    doc.theme = theme.into();
    doc.format = ResourceFormat::parse(format).ok_or_else(|| format!("format {format}"))?;
    doc.update_cycle = UpdateCycle::parse(cycle).ok_or_else(|| format!("cycle {cycle}"))?;
    doc.share_methods = if methods == "-" {
        Vec::new()
    } else {
        methods
            .split(',')
            .map(|m| ShareMethod::parse(m).ok_or_else(|| format!("share method {m}")))
            .collect::<Result<_, _>>()?
    };
    doc.grade = grade.parse().map_err(|_| format!("grade {grade}"))?;
    Ok(())
}

/// Applies one `<keyword> <rest>` line of a resource.
fn parse_line(r: &mut DemoResource, line: &str) -> Result<(), String> {
    if let Some(field) = line.strip_prefix("- ") {
        r.doc.fields.push(parse_field(field)?);
        return Ok(());
    }
    let (keyword, rest) = line.split_once(' ').unwrap_or((line, ""));
    let rest = rest.trim();
    let doc = &mut r.doc;
    match keyword {
        "summary" => doc.summary = rest.into(),
        "meta" => parse_meta(doc, rest)?,
        "tags" => doc.tags = rest.split('、').map(str::to_owned).collect(),
        "share" => {
            let (attr, text) = attr_and_text(rest);
            doc.share_attr = ShareAttr::parse(attr).ok_or_else(|| format!("share {attr}"))?;
            match doc.share_attr {
                ShareAttr::Conditional => doc.share_condition = text.into(),
                ShareAttr::NotShared => doc.share_legal_basis = text.into(),
                ShareAttr::Unconditional => {}
            }
        }
        "open" => {
            let (attr, text) = attr_and_text(rest);
            doc.open_attr = OpenAttr::parse(attr).ok_or_else(|| format!("open {attr}"))?;
            doc.open_condition = text.into();
        }
        "system" => r.system = Some(rest.into()),
        "related" => r.related.push(rest.into()),
        "agg" if rest == "no" => doc.aggregated = false,
        "status" => {
            let (status, reason) = attr_and_text(rest);
            r.status = match status {
                "draft" => DemoStatus::Draft,
                "submitted" => DemoStatus::Submitted,
                "returned" => DemoStatus::Returned(reason.into()),
                _ => return Err(format!("status {status}")),
            }
        }
        _ => return Err(format!("unknown line {keyword}")),
    }
    Ok(())
}

/// Parses the line format of [`CATALOG`]; an error names the line.
pub fn parse_catalog(text: &str) -> Result<Vec<DemoResource>, String> {
    let mut out: Vec<DemoResource> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        let at = |e: String| format!("demo catalog line {}: {e}", n + 1);
        if line.is_empty() {
            continue;
        }
        if let Some(head) = line.strip_prefix('@') {
            let mut words = head.splitn(3, ' ');
            let (Some(unit), Some(code), Some(name)) = (words.next(), words.next(), words.next())
            else {
                return Err(at("a resource starts with @<unit> <code> <name>".into()));
            };
            let category = category_of_code(code).ok_or_else(|| at(format!("code {code}")))?;
            out.push(DemoResource {
                unit: unit.into(),
                system: None,
                related: Vec::new(),
                status: DemoStatus::Published,
                doc: ResourceDoc {
                    code: code.into(),
                    name: name.trim().into(),
                    summary: String::new(),
                    provider_org_id: String::new(),
                    category,
                    theme: String::new(),
                    format: ResourceFormat::Database,
                    update_cycle: UpdateCycle::Irregular,
                    share_attr: ShareAttr::Unconditional,
                    share_condition: String::new(),
                    share_legal_basis: String::new(),
                    share_methods: Vec::new(),
                    open_attr: OpenAttr::NotOpen,
                    open_condition: String::new(),
                    grade: 1,
                    tags: Vec::new(),
                    release_date: None,
                    related_resource_ids: Vec::new(),
                    system_id: None,
                    aggregated: true,
                    fields: Vec::new(),
                },
            });
            continue;
        }
        let r = out
            .last_mut()
            .ok_or_else(|| at("a line before the first @resource".into()))?;
        parse_line(r, line).map_err(at)?;
    }
    Ok(out)
}

fn unexpected(what: String) -> ActionError {
    ActionError::Unexpected(format!("demo catalog: {what}"))
}

/// Creates the demo city's catalog: the systems (planned), the resources (each created,
/// then submitted, approved or returned as [`CATALOG`] says), the systems' further steps
/// (approval needs their resources published), and last the duty changes (any catalog
/// change by a unit closes its open review tasks, so they come after the unit's resources).
pub(crate) async fn create_catalog(
    app: &App,
    actor: &Actor,
    units: &HashMap<&str, String>,
) -> Result<(), ActionError> {
    let unit = |slug: &str| {
        units
            .get(slug)
            .cloned()
            .ok_or_else(|| unexpected(format!("no unit {slug}")))
    };

    let mut systems: HashMap<(String, &str), String> = HashMap::new();
    for (slug, name, _, purpose) in SYSTEMS {
        let owner = unit(slug)?;
        let s = create_system(
            app,
            actor,
            SystemInput {
                name: (*name).into(),
                owner_org_id: owner.clone(),
                purpose: (*purpose).into(),
                resource_ids: Vec::new(),
            },
        )
        .await?;
        systems.insert((owner, *name), s.id);
    }

    let mut by_code: HashMap<String, String> = HashMap::new();
    for r in parse_catalog(CATALOG).map_err(unexpected)? {
        let mut doc = r.doc;
        doc.provider_org_id = unit(&r.unit)?;
        if let Some(name) = &r.system {
            let key = (doc.provider_org_id.clone(), name.as_str());
            doc.system_id = Some(
                systems
                    .get(&key)
                    .cloned()
                    .ok_or_else(|| unexpected(format!("no system {name} of {}", r.unit)))?,
            );
        }
        for code in &r.related {
            doc.related_resource_ids.push(
                by_code
                    .get(code)
                    .cloned()
                    .ok_or_else(|| unexpected(format!("no related resource {code}")))?,
            );
        }
        let code = doc.code.clone();
        let id = create_resource(app, actor, doc).await?.id;
        match &r.status {
            DemoStatus::Draft => {}
            DemoStatus::Submitted => {
                submit_resource(app, actor, &id).await?;
            }
            DemoStatus::Returned(why) => {
                submit_resource(app, actor, &id).await?;
                return_resource(app, actor, &id, why).await?;
            }
            DemoStatus::Published => {
                submit_resource(app, actor, &id).await?;
                approve_resource(app, actor, &id).await?;
            }
        }
        by_code.insert(code, id);
    }

    for (slug, name, status, _) in SYSTEMS {
        let id = &systems[&(unit(slug)?, *name)];
        let status = SystemStatus::parse(status)
            .ok_or_else(|| unexpected(format!("system status {status}")))?;
        use SystemStatus::*;
        if status == Retired {
            // A plan given up: planned → retired.
            set_system_status(app, actor, id, Retired.as_str()).await?;
            continue;
        }
        if matches!(status, UnderReview | Approved | InService) {
            submit_system(app, actor, id).await?;
        }
        if matches!(status, Approved | InService) {
            approve_system(app, actor, id).await?;
        }
        if status == InService {
            set_system_status(app, actor, id, InService.as_str()).await?;
        }
    }

    let today = crate::today();
    for (slug, days_ago, description, legal_source) in DUTY_CHANGES {
        let date = today - chrono::Days::new(*days_ago);
        record_duty_change(
            app,
            actor,
            &unit(slug)?,
            DutyChangeInput {
                date: date.to_string(),
                description: (*description).into(),
                legal_source: (*legal_source).into(),
            },
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use pubdata_core::catalog::rules::check;
    use std::collections::HashSet;

    fn catalog() -> Vec<DemoResource> {
        parse_catalog(CATALOG).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn every_demo_resource_keeps_the_catalog_rules() {
        let mut codes = HashSet::new();
        for r in catalog() {
            let mut doc = r.doc.clone();
            doc.provider_org_id = r.unit.clone();
            doc.normalize();
            let broken: Vec<_> = check(&doc).into_iter().map(|v| v.code).collect();
            assert!(broken.is_empty(), "{} {}: {broken:?}", doc.code, doc.name);
            assert!(codes.insert(doc.code.clone()), "{} twice", doc.code);
            assert!(
                (3..=15).contains(&doc.fields.len()),
                "{}: {} fields",
                doc.code,
                doc.fields.len()
            );
            assert!(
                !doc.tags.is_empty() && !doc.theme.is_empty(),
                "{}",
                doc.code
            );
            // Open data carries no personal data above grade 2 except the columns the
            // summary says are kept back.
            if doc.open_attr == OpenAttr::Unconditional {
                for f in doc.fields.iter().filter(|f| f.grade >= 3) {
                    assert!(f.description.contains("不开放"), "{}: {}", doc.code, f.name);
                }
            }
        }
    }

    #[test]
    fn the_demo_catalog_covers_every_unit_attribute_and_review_state() {
        let all = catalog();
        assert!(all.len() >= 60, "{} resources", all.len());
        let units: HashSet<&str> = all.iter().map(|r| r.unit.as_str()).collect();
        for (slug, ..) in crate::demo::UNITS {
            assert!(units.contains(slug), "{slug} has no resource");
        }
        for slug in &units {
            assert!(
                crate::demo::UNITS.iter().any(|u| u.0 == *slug),
                "{slug} is no unit"
            );
        }
        let docs: Vec<&ResourceDoc> = all.iter().map(|r| &r.doc).collect();
        for a in ShareAttr::ALL {
            assert!(docs.iter().any(|d| d.share_attr == *a), "{a}");
        }
        for a in OpenAttr::ALL {
            assert!(docs.iter().any(|d| d.open_attr == *a), "{a}");
        }
        for f in ResourceFormat::ALL {
            assert!(docs.iter().any(|d| d.format == *f), "{f}");
        }
        for c in UpdateCycle::ALL {
            assert!(docs.iter().any(|d| d.update_cycle == *c), "{c}");
        }
        for t in FieldType::ALL {
            assert!(
                docs.iter()
                    .flat_map(|d| &d.fields)
                    .any(|f| f.field_type == *t),
                "{t}"
            );
        }
        let count = |s: fn(&DemoStatus) -> bool| all.iter().filter(|r| s(&r.status)).count();
        assert_eq!(count(|s| *s == DemoStatus::Draft), 2);
        assert_eq!(count(|s| *s == DemoStatus::Submitted), 2);
        assert_eq!(count(|s| matches!(s, DemoStatus::Returned(_))), 1);
    }

    #[test]
    fn systems_past_review_declare_only_published_resources_and_the_planned_one_none() {
        let all = catalog();
        let mut declared_by_planned = 0;
        for (slug, name, status, _) in SYSTEMS {
            let declared: Vec<&DemoResource> = all
                .iter()
                .filter(|r| r.unit == *slug && r.system.as_deref() == Some(*name))
                .collect();
            match *status {
                "approved" | "in_service" => {
                    assert!(!declared.is_empty(), "{name} declares nothing");
                    for r in declared {
                        assert_eq!(r.status, DemoStatus::Published, "{name}: {}", r.doc.name);
                    }
                }
                "planned" => declared_by_planned += declared.len(),
                _ => {}
            }
        }
        assert_eq!(declared_by_planned, 0);
        for r in &all {
            if let Some(s) = &r.system {
                assert!(
                    SYSTEMS.iter().any(|(u, n, ..)| *u == r.unit && n == s),
                    "{}: no system {s} of {}",
                    r.doc.code,
                    r.unit
                );
            }
        }
    }
}
