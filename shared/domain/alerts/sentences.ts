/**
 * What an alert says, as data: each rule states its verdict as a sentence key and the figures it quotes (already
 * formatted, so every language quotes the same digits), and the sentence is written in the configured language —
 * the alert's `summary`, a resolution's `reason`. English is the rules' own wording; zh-CN uses the plans' terms
 * (控价, 窜货, 投放, ROI). Pure.
 */
import type { Locale } from '../config.ts';

export type Said =
  | {
      readonly key: 'price_below_floor';
      store: string;
      channel: string;
      sku: string;
      price: string;
      currency: string;
      floor: string;
      guide: string;
      pct: number;
      promotion?: string;
    }
  | { readonly key: 'price_back'; store: string; sku: string }
  | { readonly key: 'diverted'; store: string; channel: string; order: string; region: string; territory: readonly string[] }
  | { readonly key: 'spent'; channel: string; spend: string; currency: string; share: string; period: 'day' | 'month'; budget: string }
  | { readonly key: 'spend_back'; share: string }
  | { readonly key: 'pacing'; channel: string; projected: string; currency: string; period: 'day' | 'month'; share: string; budget: string; spend: string }
  | { readonly key: 'actual_took_over' }
  | { readonly key: 'projection_back' }
  | { readonly key: 'roi_below_floor'; channel: string; roi: number; floor: number }
  | { readonly key: 'roi_below_baseline'; channel: string; roi: number; drop: string; baseline: number }
  | { readonly key: 'roi_recovered'; roi: number }
  | { readonly key: 'conversions'; channel: string; reported: string; orders: string; pct: number | null }
  | { readonly key: 'conversions_back' }
  | { readonly key: 'silent'; channel: string; minutes: number; after: number }
  | { readonly key: 'arriving' }
  | { readonly key: 'period_ended' }
  | { readonly key: 'quiet_24h' };

function english(s: Said): string {
  switch (s.key) {
    case 'price_below_floor':
      return `Store ${s.store} on ${s.channel} sold ${s.sku} at ${s.price} ${s.currency}, below the floor of ${s.floor} (guide ${s.guide} less ${s.pct}%${s.promotion ? ` under promotion ${s.promotion}` : ''}).`;
    case 'price_back':
      return `store ${s.store} sold ${s.sku} at or above the floor again`;
    case 'diverted':
      return `Store ${s.store} on ${s.channel} shipped order ${s.order} to ${s.region}, outside its territory (${s.territory.join(', ')}).`;
    case 'spent':
      return `${s.channel} has spent ${s.spend} ${s.currency}, ${s.share} of its ${s.period === 'day' ? 'daily' : 'monthly'} budget of ${s.budget}.`;
    case 'spend_back':
      return `spend is back to ${s.share} of the budget`;
    case 'pacing':
      return `${s.channel} is pacing to spend ${s.projected} ${s.currency} this ${s.period}, ${s.share} of its budget of ${s.budget} (spent ${s.spend} so far).`;
    case 'actual_took_over':
      return 'the actual overrun has taken over';
    case 'projection_back':
      return 'projected spend is back within the budget';
    case 'roi_below_floor':
      return `${s.channel} returned ${s.roi}× its ad spend over the last 24 h, below the floor of ${s.floor}×.`;
    case 'roi_below_baseline':
      return `${s.channel}'s ROI over the last 24 h is ${s.roi}×, ${s.drop} below its 7-day ROI of ${s.baseline}×.`;
    case 'roi_recovered':
      return `ROI recovered to ${s.roi}×`;
    case 'conversions':
      return `${s.channel}'s platform reported ${s.reported} conversions over the last 24 h against ${s.orders} recorded orders${s.pct === null ? '' : ` (+${s.pct}%)`}.`;
    case 'conversions_back':
      return 'reported conversions match recorded orders again';
    case 'silent':
      return `${s.channel} has sent no events for ${s.minutes} minutes (normally reports; stale after ${s.after}). Its KPI alerts are muted meanwhile.`;
    case 'arriving':
      return 'events are arriving again';
    case 'period_ended':
      return 'the budget period ended';
    case 'quiet_24h':
      return 'no further violation for 24 h';
  }
}

function chinese(s: Said): string {
  switch (s.key) {
    case 'price_below_floor':
      return `${s.channel}的门店 ${s.store} 以 ${s.price} ${s.currency} 售出 ${s.sku}，低于控价底价 ${s.floor}（指导价 ${s.guide} 减 ${s.pct}%${s.promotion ? `，促销 ${s.promotion}` : ''}）。`;
    case 'price_back':
      return `门店 ${s.store} 的 ${s.sku} 售价已回到底价以上`;
    case 'diverted':
      return `${s.channel}的门店 ${s.store} 将订单 ${s.order} 发往 ${s.region}，超出其授权区域（${s.territory.join('、')}），涉嫌窜货。`;
    case 'spent':
      return `${s.channel}已投放 ${s.spend} ${s.currency}，占${s.period === 'day' ? '日' : '月'}预算 ${s.budget} 的 ${s.share}。`;
    case 'spend_back':
      return `投放已回落到预算的 ${s.share}`;
    case 'pacing':
      return `按当前节奏，${s.channel}本${s.period === 'day' ? '日' : '月'}预计投放 ${s.projected} ${s.currency}，为预算 ${s.budget} 的 ${s.share}（目前已投放 ${s.spend}）。`;
    case 'actual_took_over':
      return '实际超支告警已接替预测告警';
    case 'projection_back':
      return '预计投放已回到预算以内';
    case 'roi_below_floor':
      return `${s.channel}近 24 小时 ROI 为 ${s.roi}，低于底线 ${s.floor}。`;
    case 'roi_below_baseline':
      return `${s.channel}近 24 小时 ROI 为 ${s.roi}，比近 7 天 ROI ${s.baseline} 低 ${s.drop}。`;
    case 'roi_recovered':
      return `ROI 已回升至 ${s.roi}`;
    case 'conversions':
      return `${s.channel}的平台近 24 小时报告 ${s.reported} 次转化，而实际记录订单为 ${s.orders} 笔${s.pct === null ? '' : `（多报 ${s.pct}%）`}。`;
    case 'conversions_back':
      return '平台报告的转化已与实际订单一致';
    case 'silent':
      return `${s.channel}已有 ${s.minutes} 分钟没有数据（平时持续上报；超过 ${s.after} 分钟视为断流），其 KPI 告警暂停通知。`;
    case 'arriving':
      return '数据已恢复上报';
    case 'period_ended':
      return '预算周期已结束';
    case 'quiet_24h':
      return '24 小时内未再违规';
  }
}

/** The sentence in `locale`. */
export function sentence(locale: Locale, said: Said): string {
  return locale === 'zh-CN' ? chinese(said) : english(said);
}
