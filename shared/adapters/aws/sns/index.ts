export { SnsAlertTopic, type SnsAlertTopicProps } from './sns-alert-topic';
